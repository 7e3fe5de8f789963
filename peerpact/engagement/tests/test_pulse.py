"""The retrospective pulse: when it opens, who answers, and that results are only ever aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from conftest import seat
from peerpact.checkins import services as checkin_services
from peerpact.circles.models import Circle, Membership
from peerpact.engagement import services
from peerpact.engagement.models import Pulse, PulseAnswer
from peerpact.notifications.models import Channel, Message

from .conftest import deadline

pytestmark = pytest.mark.django_db


def open_at(clock, circle, when) -> bool:
    clock.move_to(when)
    checkin_services.cycles_ensure(circle=circle, now=when)
    return services.pulses_open(now=when)


@pytest.fixture
def crew(make_user, weekly, alice):
    """carl, dina and emil join the circle: five members with alice and bob."""
    people = [make_user(f"{n}@example.com", n.title()) for n in ("carl", "dina", "emil")]
    for user in people:
        seat(weekly, user, alice)
    return people


def seat_of(circle, user) -> Membership:
    return Membership.objects.get(circle=circle, user=user)


def test_a_pulse_opens_after_every_nth_deadline_and_members_hear_once(weekly, alice, bob, clock):
    Circle.objects.filter(pk=weekly.pk).update(pulse_every_cycles=2)
    assert not open_at(clock, weekly, deadline(1) + timedelta(minutes=5))
    assert open_at(clock, weekly, deadline(2) + timedelta(minutes=5))
    assert not open_at(clock, weekly, deadline(2) + timedelta(minutes=10))  # idempotent
    pulse = Pulse.objects.get()
    assert pulse.cycle.index == 2 and pulse.closes_at - pulse.opens_at == timedelta(days=7)
    heard = Message.objects.filter(kind="engagement.pulse", channel=Channel.EMAIL)
    assert sorted(heard.values_list("recipient__display_name", flat=True)) == ["Alice", "Bob"]
    assert not open_at(clock, weekly, deadline(3) + timedelta(minutes=5))
    assert open_at(clock, weekly, deadline(4) + timedelta(minutes=5))
    assert list(Pulse.objects.order_by("opens_at").values_list("cycle__index", flat=True)) == [2, 4]


def test_no_pulse_when_switched_off_or_long_past(weekly, alice, bob, clock):
    Circle.objects.filter(pk=weekly.pk).update(pulse_every_cycles=0)
    for k in range(1, 5):
        assert not open_at(clock, weekly, deadline(k) + timedelta(minutes=5))
    Circle.objects.filter(pk=weekly.pk).update(pulse_every_cycles=1)
    # The worker was down for more than a week: the old cycles' pulses would already be closed.
    assert open_at(clock, weekly, deadline(4) + timedelta(days=1))
    assert list(Pulse.objects.values_list("cycle__index", flat=True)) == [4]


@pytest.fixture
def pulse(weekly, clock):
    Circle.objects.filter(pk=weekly.pk).update(pulse_every_cycles=1)
    open_at(clock, weekly, deadline(1) + timedelta(minutes=5))
    return Pulse.objects.get()


SCORES = {"safe": 5, "checkins": 4, "feedback": 2, "rhythm": 3}


def answer(pulse, circle, user, text="", **scores):
    return services.pulse_answer(
        pulse=pulse,
        membership=seat_of(circle, user),
        actor=user,
        scores={**SCORES, **scores},
        open_answer=text,
    )


def test_a_member_answers_once_and_may_change_it_while_open(pulse, weekly, bob, clock):
    answer(pulse, weekly, bob, safe=1)
    answer(pulse, weekly, bob, safe=4)
    assert list(PulseAnswer.objects.values_list("safe", flat=True)) == [4]
    clock.move_to(pulse.closes_at + timedelta(minutes=1))
    with pytest.raises(ValidationError):
        answer(pulse, weekly, bob, safe=2)


def test_only_the_member_answers_for_themselves(pulse, weekly, alice, bob):
    with pytest.raises(PermissionDenied):
        services.pulse_answer(pulse=pulse, membership=seat_of(weekly, bob), actor=alice, scores=SCORES)
    with pytest.raises(ValidationError):
        answer(pulse, weekly, bob, safe=6)


def page(client, user, circle) -> str:
    client.force_login(user)
    response = client.get(
        reverse("engagement:pulse", kwargs={"community": circle.community.slug, "circle": circle.slug})
    )
    assert response.status_code == 200
    return response.content.decode()


def test_results_show_only_from_three_answers_and_never_per_person(
    client, pulse, weekly, alice, bob, crew, olivia
):
    carl, dina, _emil = crew
    answer(pulse, weekly, bob, "Zebra-striped agendas", safe=1, checkins=1, feedback=1, rhythm=1)
    answer(pulse, weekly, carl, "Apple pie at reviews", safe=5, checkins=5, feedback=5, rhythm=5)
    html = page(client, olivia, weekly)
    assert "2 of 3 needed" in html
    assert "Zebra-striped" not in html and "Apple pie" not in html and "Average" not in html

    answer(pulse, weekly, dina, "Muffins", safe=3, checkins=3, feedback=3, rhythm=4)
    html = page(client, olivia, weekly)
    assert "2 of 3 needed" not in html and "3 people answered" in html
    assert "Average 3.0 out of 5" in html and "Average 3.3 out of 5" in html
    # Open answers in alphabetical order: nothing about who wrote which, or when.
    assert html.index("Apple pie") < html.index("Muffins") < html.index("Zebra-striped")
    for name in ("Bob", "Carl", "Dina"):
        assert name not in html
    htmx = client.get(
        reverse("engagement:pulse", kwargs={"community": weekly.community.slug, "circle": weekly.slug}),
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Muffins" in htmx and "Bob" not in htmx and "<html" not in htmx
    # Bob's own form shows his own answers back only to him.
    bobs = page(client, bob, weekly)
    assert "Update my answers" in bobs


def test_the_board_invites_members_who_have_not_answered(client, pulse, weekly, bob, alice):
    url = reverse("checkins:board", kwargs={"community": weekly.community.slug, "circle": weekly.slug})
    client.force_login(bob)
    assert "Answer the pulse" in client.get(url).content.decode()
    answer(pulse, weekly, bob)
    assert "Thank you for answering" in client.get(url).content.decode()


def test_members_answer_through_the_page(client, pulse, weekly, bob, olivia):
    url = reverse("engagement:pulse", kwargs={"community": weekly.community.slug, "circle": weekly.slug})
    client.force_login(bob)
    bad = client.post(url, {"safe": "9", "open_answer": "keep this text"})
    assert bad.status_code == 400 and "keep this text" in bad.content.decode()
    good = client.post(url, {**{k: str(v) for k, v in SCORES.items()}, "open_answer": "More silence"})
    assert good.status_code == 302 and PulseAnswer.objects.get().open_answer == "More silence"
    client.force_login(olivia)  # organizers hold no seat: they see results, they do not answer
    refused = client.post(url, {k: str(v) for k, v in SCORES.items()})
    assert refused.status_code == 403 and PulseAnswer.objects.count() == 1


def test_the_admin_list_never_shows_who_answered(client, pulse, weekly, bob, make_user):
    answer(pulse, weekly, bob, "Secret idea")
    admin = make_user("root@example.com", "Root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:engagement_pulseanswer_changelist")).content.decode()
    assert "Secret idea" in listing and "Bob" not in listing and "bob@example.com" not in listing
    detail = client.get(
        reverse("admin:engagement_pulseanswer_change", args=[PulseAnswer.objects.get().pk])
    ).content.decode()
    assert "Bob" not in detail and "bob@example.com" not in detail


def test_before_the_first_pulse_the_page_says_when_it_comes(client, weekly, bob):
    html = page(client, bob, weekly)
    assert "No pulse yet" in html and "every 4th cycle" in html


def test_the_pulse_email_promises_totals_only(pulse, weekly, bob):
    from peerpact.notifications.services import email_render

    message = Message.objects.get(kind="engagement.pulse", channel=Channel.EMAIL, recipient=bob)
    context = {**message.context, "recipient": bob, "url": message.url}
    email = email_render(to=bob.email, template=message.template, context=context)
    assert "Weekly Wins" in email.subject and "only ever shown as totals" in email.body
