from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peerpact.notifications.models import Message
from peerpact.safety import selectors, services
from peerpact.safety.models import ConcernEvent, ConcernState

pytestmark = pytest.mark.django_db


def raise_(circle, user, to="facilitator"):
    return services.concern_raise(
        circle=circle, user=user, addressed_to=to, subject="Meetings run late", body="Every week we overrun."
    )


def url(concern):
    return reverse(
        "safety:concern-detail", kwargs={"community": concern.circle.community.slug, "concern_id": concern.pk}
    )


def test_the_path_is_raised_acknowledged_resolved_and_every_step_is_recorded(circle, bob, alice):
    concern = raise_(circle, bob)
    services.concern_reply(concern=concern, actor=bob, text="Also the link changes.")
    services.concern_acknowledge(concern=concern, actor=alice, text="Thanks, on it.")
    services.concern_reply(concern=concern, actor=alice, text="Fixed the link.")
    services.concern_resolve(concern=concern, actor=alice, text="Settled at the review.")
    concern.refresh_from_db()
    assert concern.state == ConcernState.RESOLVED
    timeline = [(e.kind, e.author.name, e.text) for e in selectors.concern_timeline(concern=concern)]
    assert timeline == [
        ("raised", "Bob", ""),
        ("reply", "Bob", "Also the link changes."),
        ("acknowledged", "Alice", "Thanks, on it."),
        ("reply", "Alice", "Fixed the link."),
        ("resolved", "Alice", "Settled at the review."),
    ]


def test_invalid_transitions_are_refused(circle, bob, alice):
    concern = raise_(circle, bob)
    with pytest.raises(PermissionDenied):
        services.concern_resolve(concern=concern, actor=alice)  # acknowledge first
    with pytest.raises(PermissionDenied):
        services.concern_acknowledge(concern=concern, actor=bob)  # not the raiser's to acknowledge
    services.concern_acknowledge(concern=concern, actor=alice)
    with pytest.raises(ValidationError):
        services.concern_acknowledge(concern=concern, actor=alice)
    services.concern_resolve(concern=concern, actor=bob)  # the raiser may close it
    with pytest.raises(ValidationError):
        services.concern_reply(concern=concern, actor=alice, text="late")
    with pytest.raises(ValidationError):
        services.concern_resolve(concern=concern, actor=alice)
    assert ConcernEvent.objects.filter(concern=concern).count() == 3


def test_the_raiser_may_withdraw_before_it_is_acknowledged(circle, bob):
    concern = raise_(circle, bob)
    services.concern_resolve(concern=concern, actor=bob, text="Sorted it out myself")
    assert concern.state == ConcernState.RESOLVED


def test_a_stale_state_cannot_move_twice(circle, bob, alice, otto):
    concern = raise_(circle, bob)
    stale = type(concern).objects.get(pk=concern.pk)
    services.concern_acknowledge(concern=concern, actor=alice)
    with pytest.raises(ValidationError):
        services.concern_acknowledge(concern=stale, actor=otto)


@pytest.mark.parametrize(
    ("to", "sees"),
    [
        ("facilitator", {"bob": 200, "alice": 200, "otto": 200, "olivia": 200, "carl": 404, "dave": 404}),
        ("organizer", {"bob": 200, "alice": 404, "otto": 200, "olivia": 200, "carl": 404, "dave": 404}),
    ],
)
def test_who_sees_a_concern(
    client, circle, bob, alice, otto, olivia, make_user, dave, other_circle, to, sees
):
    from conftest import seat

    carl = make_user("carl@example.com", "Carl")
    seat(circle, carl, alice)
    concern = raise_(circle, bob, to)
    people = {"bob": bob, "alice": alice, "otto": otto, "olivia": olivia, "carl": carl, "dave": dave}
    for name, expected in sees.items():
        client.force_login(people[name])
        response = client.get(url(concern))
        assert response.status_code == expected, name
        if name == "otto" and to == "facilitator":
            assert "You see it as an organizer" in response.content.decode()


def test_each_step_notifies_the_other_side_once(circle, bob, alice):
    concern = raise_(circle, bob)
    to_alice = Message.objects.filter(kind="safety.concern", recipient=alice)
    assert to_alice.count() == 2  # in-app and email
    event = services.concern_acknowledge(concern=concern, actor=alice)
    to_bob = Message.objects.filter(kind="safety.concern", recipient=bob)
    assert {m.dedupe_key for m in to_bob} == {
        f"safety.concern:{event.pk}:{bob.pk}:{c}" for c in ("email", "inapp")
    }
    assert Message.objects.filter(kind="safety.concern", recipient=alice).count() == 2


def test_organizer_concerns_reach_organizers_not_the_facilitator(circle, bob, alice, otto, olivia):
    raise_(circle, bob, "organizer")
    told = set(Message.objects.filter(kind="safety.concern").values_list("recipient__email", flat=True))
    assert told == {"otto@example.com", "olivia@example.com"}


def test_a_sole_facilitator_addresses_the_organizers(circle, alice):
    with pytest.raises(ValidationError):
        raise_(circle, alice, "facilitator")
    raise_(circle, alice, "organizer")


def test_pages_raise_list_inbox_and_act(client, circle, bob, alice, otto):
    client.force_login(bob)
    raise_url = reverse(
        "safety:concern-raise", kwargs={"community": circle.community.slug, "circle": circle.slug}
    )
    bad = client.post(raise_url, {"addressed_to": "facilitator", "subject": "", "body": "Keep this text"})
    assert bad.status_code == 400 and "Keep this text" in bad.content.decode()
    response = client.post(raise_url, {"addressed_to": "facilitator", "subject": "Late", "body": "Overruns"})
    assert response.status_code == 302
    assert "Late" in client.get(reverse("safety:concerns")).content.decode()
    client.force_login(alice)
    inbox = client.get(reverse("safety:concern-inbox")).content.decode()
    assert "Late" in inbox and "from Bob" in inbox
    response = client.post(response["Location"], {"action": "acknowledge", "text": "Seen"})
    assert response.status_code == 302
    client.force_login(otto)
    assert "you see it as organizer" in client.get(reverse("safety:concern-inbox")).content.decode()
    client.force_login(otto)
    assert client.get(raise_url).status_code == 403  # organizers are not seated in the circle
