"""Peer-activity notifications: one message per burst, sent when quiet for 10 minutes or after an hour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from peerpact.feedback import batching, selectors, services
from peerpact.feedback.models import KudosTarget, PeerActivity
from peerpact.notifications import outbox
from peerpact.notifications.models import Message
from peerpact.safety.models import Block

pytestmark = pytest.mark.django_db


def messages_to(user):
    return list(Message.objects.filter(recipient=user, kind="peer.activity", channel="email").order_by("pk"))


def kudos(checkin, actor, reaction="clap"):
    subject = selectors.kudos_subject(
        circle=checkin.membership.circle, kind=KudosTarget.CHECKIN, target_id=checkin.pk, viewer=actor
    )
    return services.kudos_toggle(subject=subject, actor=actor, reaction=reaction)


def test_a_burst_of_activity_becomes_one_message_once_quiet(alice_checkin, alice, bob, mia, clock):
    services.comment_add(checkin=alice_checkin, actor=bob, body="Nice draft!")
    clock.shift(timedelta(minutes=2))
    services.feedback_give(checkin=alice_checkin, actor=mia, worked="You kept at it")
    clock.shift(timedelta(minutes=3))
    kudos(alice_checkin, bob)
    clock.shift(timedelta(minutes=9))  # 9 minutes after the last item: not quiet long enough
    assert batching.peer_activity_send(now=timezone.now()) is False
    assert messages_to(alice) == []
    clock.shift(timedelta(minutes=1))
    assert batching.peer_activity_send(now=timezone.now()) is True
    [message] = messages_to(alice)
    assert [i["kind"] for i in message.context["items"]] == ["comment", "feedback", "kudos"]
    assert Message.objects.filter(recipient=alice, kind="peer.activity", channel="inapp").count() == 1
    assert not PeerActivity.objects.unsent().exists()
    assert batching.peer_activity_send(now=timezone.now()) is False  # nothing twice
    outbox.outbox_deliver_batch(now=timezone.now())
    [email] = [
        m
        for m in mail.outbox
        if alice.email in m.to and m.extra_headers.get("X-PeerPact-Kind") == "peer.activity"
    ]
    assert "Bob commented: Nice draft!" in email.body
    assert "Mia gave you feedback: You kept at it" in email.body
    assert "Bob cheered your check-in: 👏 Applause" in email.body
    assert "3 new things" in email.subject


def test_spaced_activity_becomes_separate_messages(alice_checkin, alice, bob, mia, clock):
    services.comment_add(checkin=alice_checkin, actor=bob, body="First")
    clock.shift(timedelta(minutes=11))
    assert batching.peer_activity_send(now=timezone.now())
    clock.shift(timedelta(minutes=30))
    services.comment_add(checkin=alice_checkin, actor=mia, body="Second")
    clock.shift(timedelta(minutes=10))
    assert batching.peer_activity_send(now=timezone.now())
    first, second = messages_to(alice)
    assert first.dedupe_key != second.dedupe_key
    assert [i["text"] for i in first.context["items"]] == ["First"]
    assert [i["text"] for i in second.context["items"]] == ["Second"]


def test_a_steady_trickle_is_still_sent_after_an_hour(alice_checkin, alice, bob, mia, clock):
    start = timezone.now()
    for n in range(13):  # every 5 minutes: never quiet for 10
        services.comment_add(checkin=alice_checkin, actor=bob if n % 2 else mia, body=f"c{n}")
        if timezone.now() - start >= timedelta(hours=1):
            break
        assert batching.peer_activity_send(now=timezone.now()) is False
        clock.shift(timedelta(minutes=5))
    assert batching.peer_activity_send(now=timezone.now()) is True
    [message] = messages_to(alice)
    assert len(message.context["items"]) == 13


def test_the_dedupe_key_is_stable_and_a_second_claim_gets_nothing(alice_checkin, alice, bob, clock):
    services.comment_add(checkin=alice_checkin, actor=bob, body="Hi")
    first_item = PeerActivity.objects.get()
    clock.shift(timedelta(minutes=10))
    now = timezone.now()
    assert batching.batch_send(recipient=alice, now=now) is True
    assert (
        batching.batch_send(recipient=alice, now=now) is False
    )  # the competing worker finds nothing to claim
    [message] = messages_to(alice)
    assert message.dedupe_key == f"peer-activity:{alice.pk}:{first_item.pk}:email"
    assert PeerActivity.objects.get().batch_key == f"peer-activity:{alice.pk}:{first_item.pk}"


def test_a_failure_while_queueing_loses_nothing(alice_checkin, alice, bob, clock, monkeypatch):
    services.comment_add(checkin=alice_checkin, actor=bob, body="Hi")
    clock.shift(timedelta(minutes=10))

    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(batching, "notify", broken)
    assert batching.peer_activity_send(now=timezone.now()) is False  # logged, not raised
    assert PeerActivity.objects.unsent().count() == 1  # the claim rolled back with the failure
    monkeypatch.undo()
    assert batching.peer_activity_send(now=timezone.now()) is True
    assert len(messages_to(alice)) == 1


def test_self_activity_never_notifies(alice_checkin, alice, clock):
    services.comment_add(checkin=alice_checkin, actor=alice, body="Note to self")
    assert not PeerActivity.objects.exists()


def test_kudos_taken_back_and_blocks_made_later_are_left_out(alice_checkin, alice, bob, mia, clock):
    kudos(alice_checkin, bob)
    kudos(alice_checkin, bob)  # taken back
    services.comment_add(checkin=alice_checkin, actor=mia, body="From Mia")
    services.comment_add(checkin=alice_checkin, actor=bob, body="From Bob")
    Block.objects.create(blocker=alice, blocked=bob)
    clock.shift(timedelta(minutes=10))
    batching.peer_activity_send(now=timezone.now())
    [message] = messages_to(alice)
    assert [(i["who"], i["text"]) for i in message.context["items"]] == [("Mia", "From Mia")]


def test_moderated_comments_are_left_out_and_an_empty_batch_sends_nothing(alice_checkin, alice, bob, clock):
    from peerpact.feedback.models import Comment

    comment = services.comment_add(checkin=alice_checkin, actor=bob, body="Rude words")
    Comment.objects.filter(pk=comment.pk).update(moderation_state="hidden")
    clock.shift(timedelta(minutes=10))
    assert batching.peer_activity_send(now=timezone.now()) is True
    assert messages_to(alice) == []
    assert not PeerActivity.objects.unsent().exists()


def test_each_recipient_gets_their_own_batch(alice_checkin, bob_checkin, alice, bob, mia, clock):
    services.comment_add(checkin=alice_checkin, actor=mia, body="For Alice")
    services.comment_add(checkin=bob_checkin, actor=mia, body="For Bob")
    clock.shift(timedelta(minutes=10))
    assert batching.peer_activity_send(now=timezone.now())
    assert [i["text"] for i in messages_to(alice)[0].context["items"]] == ["For Alice"]
    assert [i["text"] for i in messages_to(bob)[0].context["items"]] == ["For Bob"]
