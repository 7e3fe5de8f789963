from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from conftest import seat
from peerpact.checkins.forms.rhythm import describe_deadlines, rhythm_initial
from peerpact.checkins.models import Blackout, Pause, Rhythm
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership, MembershipStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def u(name, circle, **kwargs):
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **kwargs})


def rhythm_form(**extra):
    """What the editor posts for "every Friday at 18:00", changed by `extra`."""
    return {
        "preset": "weekly",
        "weekdays": ["FR"],
        "nth": "1",
        "custom_rule": "",
        "deadline_time": "18:00",
        "starts_on": "2026-01-05",
        "grace_hours": "24",
        "review_weekday": "",
        "review_time": "19:00",
        "review_duration_minutes": "45",
        "review_location": "",
        **extra,
    }


@pytest.fixture
def madrid(circle, alice):
    """`circle` keeping Europe/Madrid time, with no schedule yet."""
    circle_services.circle_update(circle=circle, actor=alice, timezone="Europe/Madrid")
    circle.refresh_from_db()
    return circle


@pytest.fixture
def pat(make_user, circle, alice):
    """Another member of `circle`: one of bob's peers."""
    user = make_user("pat@example.com", "Pat", "Europe/Madrid")
    seat(circle, user, alice)
    return user


def test_facilitator_sets_a_biweekly_schedule_and_sees_the_next_deadlines(client, madrid, alice):
    client.force_login(alice)
    page = client.get(u("checkins:rhythm", madrid)).content.decode()
    assert "No schedule yet" in page and 'name="preset"' in page
    response = client.post(
        u("checkins:rhythm", madrid),
        rhythm_form(preset="biweekly", review_weekday="MO", review_location="https://meet.example/w"),
    )
    assert response.status_code == 302
    rhythm = Rhythm.objects.get(circle=madrid)
    assert rhythm.deadline_rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"
    page = client.get(response["Location"]).content.decode()
    assert "Schedule set." in page
    assert "Every other Friday at 18:00 (Europe/Madrid time)" in page
    assert "Every other Monday at 19:00, for 45 minutes" in page
    # alice keeps the circle's own time, so each instant is named once.
    assert "Friday 9 January, 18:00 (Europe/Madrid)" in page
    assert "Friday 23 January, 18:00 (Europe/Madrid)" in page
    assert "Friday 16 January" not in page
    assert re.search(r'value="biweekly"[^>]* checked', page)  # the editor starts from what was saved


def test_preview_of_a_monthly_last_friday_is_only_the_fragment_in_the_viewers_zone(client, weekly, olivia):
    client.force_login(olivia)  # organizer, on London time
    response = client.post(
        u("checkins:rhythm-preview", weekly), rhythm_form(preset="monthly", nth="-1"), **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert html.count("<time") == 5
    assert "Friday 30 January, 18:00 in Europe/Madrid — Friday 17:00 for you (Europe/London)" in html
    for day in ("27 February", "27 March", "24 April", "29 May"):
        assert f"Friday {day}, 18:00 in Europe/Madrid" in html
    assert Rhythm.objects.get(circle=weekly).deadline_rule == "FREQ=WEEKLY;BYDAY=FR"  # nothing saved


def test_preview_explains_a_rule_that_cannot_work(client, weekly, alice):
    client.force_login(alice)
    response = client.post(
        u("checkins:rhythm-preview", weekly), rhythm_form(preset="weekly", weekdays=["MO", "FR"]), **HTMX
    )
    assert response.status_code == 200  # htmx only swaps in successful answers
    assert "Choose one weekday." in response.content.decode()


def test_the_preview_button_works_without_javascript(client, weekly, alice):
    client.force_login(alice)
    response = client.post(
        u("checkins:rhythm", weekly), rhythm_form(preset="weekdays", weekdays=["MO", "TH"], preview="1")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Preview: the next five deadlines" in html and "Monday 5 January, 18:00" in html
    assert re.search(r'value="MO"[^>]* checked', html) and re.search(r'value="TH"[^>]* checked', html)
    assert Rhythm.objects.get(circle=weekly).deadline_rule == "FREQ=WEEKLY;BYDAY=FR"


def test_an_invalid_custom_rule_is_refused_and_everything_typed_is_kept(client, weekly, alice):
    client.force_login(alice)
    response = client.post(
        u("checkins:rhythm", weekly),
        rhythm_form(
            preset="custom",
            custom_rule="FREQ=SOMETIMES;BYDAY=MO",
            grace_hours="12",
            review_weekday="WE",
            review_location="Library, room 2",
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This rule could not be read" in html
    assert 'value="FREQ=SOMETIMES;BYDAY=MO"' in html
    assert 'value="Library, room 2"' in html and 'value="12"' in html
    assert '<option value="WE" selected>' in html
    assert 'aria-invalid="true"' in html
    assert Rhythm.objects.get(circle=weekly).deadline_rule == "FREQ=WEEKLY;BYDAY=FR"


def test_a_member_reads_the_schedule_in_both_zones_but_cannot_change_it(client, weekly, bob):
    client.force_login(bob)  # on New York time
    page = client.get(u("checkins:rhythm", weekly)).content.decode()
    assert "Every Friday at 18:00 (Europe/Madrid time)" in page
    assert "Friday 9 January, 18:00 in Europe/Madrid — Friday 12:00 for you (America/New_York)" in page
    assert "https://meet.example/wins" in page and "24 hours after a deadline" in page
    assert 'name="preset"' not in page and "blackout-starts_on" not in page
    response = client.post(u("checkins:rhythm", weekly), rhythm_form(preset="biweekly"))
    assert response.status_code == 403
    assert client.post(u("checkins:rhythm-preview", weekly), rhythm_form(), **HTMX).status_code == 403
    blackout = {"blackout-starts_on": "2026-02-01", "blackout-ends_on": "2026-02-08"}
    assert client.post(u("checkins:blackout-add", weekly), blackout).status_code == 403
    assert Rhythm.objects.get(circle=weekly).deadline_rule == "FREQ=WEEKLY;BYDAY=FR"
    assert not Blackout.objects.exists()


def test_people_outside_the_circle_do_not_find_its_schedule(client, weekly, dave):
    client.force_login(dave)
    assert client.get(u("checkins:rhythm", weekly)).status_code == 404


def test_facilitator_adds_and_removes_blackout_dates(client, weekly, alice, bob):
    client.force_login(alice)
    response = client.post(
        u("checkins:blackout-add", weekly),
        {"blackout-starts_on": "2026-01-16", "blackout-ends_on": "2026-01-18", "blackout-reason": "Ski trip"},
    )
    assert response.status_code == 302
    blackout = Blackout.objects.get(circle=weekly)
    assert (blackout.starts_on, blackout.ends_on) == (date(2026, 1, 16), date(2026, 1, 18))
    client.force_login(bob)
    page = client.get(u("checkins:rhythm", weekly)).content.decode()
    assert "No update expected: Ski trip" in page and "blackout-delete" not in page

    client.force_login(alice)
    refused = client.post(
        u("checkins:blackout-add", weekly),
        {"blackout-starts_on": "2026-02-10", "blackout-ends_on": "2026-02-01", "blackout-reason": "Oops"},
    )
    assert refused.status_code == 400
    assert "cannot come before" in refused.content.decode() and 'value="Oops"' in refused.content.decode()

    removed = client.post(u("checkins:blackout-delete", weekly, blackout_id=blackout.pk), **HTMX)
    assert removed.status_code == 200 and removed.content == b""
    assert not Blackout.objects.exists()
    again = Blackout.objects.create(circle=weekly, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 1))
    response = client.post(u("checkins:blackout-delete", weekly, blackout_id=again.pk))
    assert response.status_code == 302 and not Blackout.objects.exists()


def test_a_member_pauses_with_a_private_reason_and_resumes(client, weekly, alice, bob, pat):
    bob_in = Membership.objects.get(circle=weekly, user=bob)
    client.force_login(bob)
    page = client.get(u("checkins:pause", weekly)).content.decode()
    assert "only the circle's facilitators and the community's organizers can read it" in page
    response = client.post(
        u("checkins:pause", weekly), {"starts_on": "2026-01-05", "ends_on": "", "reason": "Family matters"}
    )
    assert response.status_code == 302
    bob_in.refresh_from_db()
    assert bob_in.status == MembershipStatus.PAUSED
    assert "Family matters" in client.get(u("checkins:pause", weekly)).content.decode()  # bob wrote it

    client.force_login(pat)
    for name in ("checkins:rhythm", "checkins:board", "checkins:pause", "circles:members"):
        response = client.get(u(name, weekly))
        assert response.status_code == 200, name
        assert "Family matters" not in response.content.decode(), name
    assert client.get(u("checkins:pause-member", weekly, membership_id=bob_in.pk)).status_code == 403

    client.force_login(alice)
    page = client.get(u("checkins:pause-member", weekly, membership_id=bob_in.pk)).content.decode()
    assert "Family matters" in page and "Paused now" in page

    client.force_login(bob)
    response = client.post(u("checkins:pause", weekly), {"action": "resume"})
    assert response.status_code == 302
    bob_in.refresh_from_db()
    assert bob_in.status == MembershipStatus.ACTIVE
    assert Pause.objects.get(membership=bob_in).resumed_at is not None


def test_a_pause_cannot_start_in_the_past_and_the_form_keeps_what_was_typed(client, weekly, bob):
    client.force_login(bob)
    response = client.post(
        u("checkins:pause", weekly), {"starts_on": "2026-01-01", "ends_on": "2026-01-20", "reason": "Trip"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "cannot start in the past" in html and 'value="2026-01-20"' in html and "Trip" in html
    assert not Pause.objects.exists()


def test_facilitator_pauses_a_member_of_this_circle_only(client, weekly, alice, bob, other_circle, dave):
    bob_in = Membership.objects.get(circle=weekly, user=bob)
    dave_in = Membership.objects.get(circle=other_circle, user=dave)
    client.force_login(alice)
    assert client.get(u("checkins:pause-member", weekly, membership_id=dave_in.pk)).status_code == 404
    response = client.post(
        u("checkins:pause-member", weekly, membership_id=bob_in.pk),
        {"starts_on": "2026-01-12", "ends_on": "2026-01-25", "reason": "Asked by email"},
    )
    assert response.status_code == 302
    pause = Pause.objects.get(membership=bob_in)
    assert (pause.starts_on, pause.ends_on, pause.created_by) == (date(2026, 1, 12), date(2026, 1, 25), alice)
    client.force_login(bob)
    page = client.get(u("checkins:pause", weekly)).content.decode()
    assert "Planned" in page and "Asked by email" not in page  # the facilitator's note stays with them


@pytest.mark.parametrize(
    ("preset", "rule", "words", "initial"),
    [
        ("weekly", "FREQ=WEEKLY;BYDAY=FR", "Every Friday at 18:00", ("weekly", ["FR"], "1")),
        (
            "biweekly",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "Every other Tuesday at 18:00",
            ("biweekly", ["TU"], "1"),
        ),
        (
            "weekdays",
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            "Every Monday, Wednesday and Friday at 18:00",
            ("weekdays", ["MO", "WE", "FR"], "1"),
        ),
        (
            "monthly",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "The last Friday of every month at 18:00",
            ("monthly", ["FR"], "-1"),
        ),
        (
            "monthly",
            "FREQ=MONTHLY;BYDAY=2MO",
            "The second Monday of every month at 18:00",
            ("monthly", ["MO"], "2"),
        ),
        (
            "custom",
            "FREQ=DAILY;INTERVAL=3",
            "Custom rule FREQ=DAILY;INTERVAL=3, at 18:00",
            ("custom", ["FR"], "1"),
        ),
    ],
)
def test_a_saved_rule_reads_as_words_and_opens_the_editor_where_it_was_left(preset, rule, words, initial):
    rhythm = Rhythm(preset=preset, deadline_rule=rule, starts_on=date(2026, 1, 5))
    assert describe_deadlines(rhythm) == words
    values = rhythm_initial(rhythm)
    assert (values["preset"], values["weekdays"], values["nth"]) == initial
    assert values["custom_rule"] == (rule if preset == "custom" else "")


def test_the_schedule_says_when_next_steps_are_decided(client, weekly, alice, bob):
    from peerpact.checkins import services
    from peerpact.checkins.services import RhythmSpec

    client.force_login(bob)
    page = reverse("checkins:rhythm", kwargs={"community": weekly.community.slug, "circle": weekly.slug})
    assert "Decided together at the review session" in client.get(page).content.decode()
    services.rhythm_set(circle=weekly, actor=alice, spec=RhythmSpec(weekdays=["FR"], next_steps="checkin"))
    assert Rhythm.objects.get(circle=weekly).next_steps == "checkin"
    assert "Each member sets their next commitments in their check-in." in client.get(page).content.decode()
