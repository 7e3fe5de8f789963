"""Anonymous feedback never names its author to peers — the receiver and the facilitator included — in
pages, htmx fragments or notifications. Organizers of the community see the author, for moderation."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from peerpact.feedback import batching, services
from peerpact.feedback.models import Feedback
from peerpact.notifications import outbox
from peerpact.notifications.models import Message

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
BOB = re.compile(r"\bBob\b|bob@example\.com")


def pages_of(checkin):
    circle = checkin.membership.circle
    kwargs = {"community": circle.community.slug, "circle": circle.slug}
    return [
        reverse("checkins:checkin-detail", kwargs={**kwargs, "checkin_id": checkin.pk}),
        reverse("checkins:board", kwargs=kwargs),
        reverse("feedback:wins", kwargs=kwargs),
        reverse("feedback:help", kwargs=kwargs),
    ]


def stable(html: str) -> str:
    """The page without what changes on every request (CSRF tokens and CSP nonces)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r'"inlineStyleNonce": "[^"]*"', "", html)


@pytest.fixture
def anonymous_feedback(anonymous_allowed, alice_checkin, bob):
    return services.feedback_give(
        checkin=alice_checkin,
        actor=bob,
        worked="The outline was clear",
        question="Who reads it next?",
        anonymous=True,
    )


@pytest.mark.parametrize("viewer", ["alice", "mia"])
def test_peers_never_see_who_wrote_anonymous_feedback(
    request, client, anonymous_feedback, alice_checkin, viewer
):
    client.force_login(request.getfixturevalue(viewer))
    page = client.get(pages_of(alice_checkin)[0]).content.decode()
    assert "The outline was clear" in page and "Anonymous" in page
    assert not BOB.search(page)


def test_the_receiver_cannot_tell_two_anonymous_authors_apart(
    client, anonymous_feedback, alice_checkin, alice, mia
):
    """Same words, another author: every page alice can open is byte-for-byte the same."""
    client.force_login(alice)
    by_bob = [stable(client.get(page).content.decode()) for page in pages_of(alice_checkin)]
    Feedback.objects.filter(pk=anonymous_feedback.pk).update(author=mia)
    by_mia = [stable(client.get(page).content.decode()) for page in pages_of(alice_checkin)]
    assert by_bob == by_mia


def test_htmx_fragments_do_not_name_the_author(client, anonymous_feedback, alice_checkin, alice, mia):
    circle = alice_checkin.membership.circle
    kwargs = {"community": circle.community.slug, "circle": circle.slug}
    client.force_login(alice)
    helpful = reverse("feedback:feedback-helpful", kwargs={**kwargs, "feedback_id": anonymous_feedback.pk})
    fragment = client.post(helpful, {"helpful": "true"}, **HX).content.decode()
    assert "The outline was clear" in fragment and not BOB.search(fragment)
    reply = reverse("feedback:comment-add", kwargs={**kwargs, "checkin_id": alice_checkin.pk})
    assert not BOB.search(client.post(reply, {"comment-body": "Thanks!"}, **HX).content.decode())
    client.force_login(mia)
    give = reverse("feedback:feedback-give", kwargs={**kwargs, "checkin_id": alice_checkin.pk})
    fragment = client.post(give, {"feedback-worked": "Also great"}, **HX).content.decode()
    assert "The outline was clear" in fragment and not BOB.search(fragment)


def test_the_author_sees_it_as_their_own(client, anonymous_feedback, alice_checkin, bob):
    client.force_login(bob)
    assert "You, anonymously" in client.get(pages_of(alice_checkin)[0]).content.decode()


@pytest.mark.parametrize("organizer", ["olivia", "otto"])
def test_organizers_see_the_author_for_moderation(
    request, client, anonymous_feedback, alice_checkin, organizer
):
    client.force_login(request.getfixturevalue(organizer))
    page = client.get(pages_of(alice_checkin)[0]).content.decode()
    assert "Bob" in page and "anonymous to the circle" in page


def test_the_notification_says_someone(client, anonymous_feedback, alice, clock):
    clock.shift(timedelta(minutes=10))
    batching.peer_activity_send(now=timezone.now())
    messages = Message.objects.filter(recipient=alice, kind="peer.activity")
    assert messages.count() == 2  # email and in-app
    for message in messages:
        assert not BOB.search(json.dumps(message.context, ensure_ascii=False))
        assert str(anonymous_feedback.author_id) not in message.dedupe_key.split(":")[1:2]
    outbox.outbox_deliver_batch(now=timezone.now())
    [email] = [m for m in mail.outbox if m.extra_headers.get("X-PeerPact-Kind") == "peer.activity"]
    html = email.alternatives[0].content if email.alternatives else ""
    for text in (email.subject, email.body, str(html)):
        assert not BOB.search(text)
    assert "Someone gave you feedback: The outline was clear" in email.body
    client.force_login(alice)
    center = client.get(reverse("notifications:center")).content.decode()
    assert "Someone gave you feedback" in center and not BOB.search(center)


def test_anonymous_feedback_is_not_counted_as_given_in_reciprocity(anonymous_feedback, alice_checkin, bob):
    from peerpact.circles.models import Membership
    from peerpact.feedback import selectors

    circle = alice_checkin.membership.circle
    result = selectors.reciprocity(circle=circle, since=timezone.now() - timedelta(days=1))
    assert result[Membership.objects.get(circle=circle, user=bob).pk] == (0, 0)
    assert result[alice_checkin.membership_id] == (0, 1)
