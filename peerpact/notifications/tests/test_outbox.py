from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import close_old_connections, connection

from peerpact.notifications import outbox
from peerpact.notifications.models import Channel, Message, MessageState

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def enqueue(user, key="k1", channel=Channel.EMAIL, due=NOW, **context):
    message, _created = outbox.message_enqueue(
        recipient=user,
        kind="test.notice",
        channel=channel,
        template="emails/notice",
        context={"title": "Your update is due", "body": "Friday 18:00", **context},
        due_at=due,
        dedupe_key=key,
        url="/c/x/",
    )
    return message


def test_the_same_dedupe_key_is_one_message(bob):
    first = enqueue(bob)
    again, created = outbox.message_enqueue(
        recipient=bob,
        kind="test.notice",
        channel=Channel.EMAIL,
        template="emails/notice",
        context={},
        due_at=NOW,
        dedupe_key="k1",
    )
    assert (again.pk, created) == (first.pk, False)
    assert Message.objects.count() == 1


def test_a_due_message_is_sent_in_the_recipients_language_with_a_stable_message_id(bob):
    bob.language = "es"
    bob.save()
    message = enqueue(bob)
    assert outbox.outbox_deliver_batch(now=NOW)
    message.refresh_from_db()
    assert (message.state, message.attempts, message.sent_at) == (MessageState.SENT, 1, NOW)
    sent = mail.outbox[0]
    assert sent.to == [bob.email] and "Your update is due" in sent.subject
    assert sent.extra_headers["Message-ID"] == outbox.message_id(message)
    assert sent.extra_headers["Message-ID"].startswith(f"<outbox-{message.pk}-")
    assert "http://testserver/c/x/" in sent.body
    assert not outbox.outbox_deliver_batch(now=NOW)  # nothing left to do
    assert len(mail.outbox) == 1


def test_messages_wait_until_they_are_due(bob):
    enqueue(bob, due=NOW + timedelta(hours=1))
    assert not outbox.outbox_deliver_batch(now=NOW)
    assert outbox.outbox_deliver_batch(now=NOW + timedelta(hours=1))


def test_in_app_messages_are_delivered_without_email(bob):
    message = enqueue(bob, channel=Channel.INAPP)
    outbox.outbox_deliver_batch(now=NOW)
    message.refresh_from_db()
    assert message.state == MessageState.SENT and mail.outbox == []
    assert Message.objects.unread_inapp(bob).count() == 1


def test_a_failing_send_is_retried_with_growing_backoff_then_given_up(bob, monkeypatch):
    from peerpact.notifications import channels

    def broken(message):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(channels, "send", broken)
    message = enqueue(bob)
    now = NOW
    waits = []
    for _attempt in range(outbox.MAX_ATTEMPTS):
        assert outbox.outbox_deliver_batch(now=now)
        message.refresh_from_db()
        if message.state == MessageState.FAILED:
            break
        assert message.state == MessageState.PENDING and "smtp down" in message.last_error
        waits.append(message.due_at - now)
        now = message.due_at
    assert message.state == MessageState.FAILED and message.attempts == outbox.MAX_ATTEMPTS
    assert len(waits) == outbox.MAX_ATTEMPTS - 1
    assert all(w <= outbox.BACKOFF_BASE * 2**i for i, w in enumerate(waits))
    outbox.message_retry(message=message, now=now)
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.PENDING, 0)


def test_backoff_is_jittered_under_an_exponential_ceiling():
    rng = random.Random(1)
    for attempts in range(1, 12):
        ceiling = min(outbox.BACKOFF_CAP, outbox.BACKOFF_BASE * 2 ** (attempts - 1))
        samples = {outbox.backoff(attempts, rng=rng) for _ in range(20)}
        assert all(timedelta(0) <= s <= ceiling for s in samples)
        assert len(samples) > 1


def test_a_poisoned_message_does_not_stop_the_queue(bob, alice, monkeypatch):
    from peerpact.notifications import channels

    real = channels.send

    def picky(message):
        if message.recipient_id == bob.pk:
            raise ValueError("bad row")
        real(message)

    monkeypatch.setattr(channels, "send", picky)
    enqueue(bob, key="poison")
    good = [enqueue(alice, key=f"good{i}") for i in range(3)]
    outbox.outbox_deliver_batch(now=NOW)
    assert all(Message.objects.get(pk=m.pk).state == MessageState.SENT for m in good)
    assert len(mail.outbox) == 3


def test_a_crashed_workers_lease_expires_and_another_worker_delivers(bob):
    message = enqueue(bob)
    token, claimed = outbox.outbox_claim(now=NOW)  # this worker "dies" before sending
    assert [m.pk for m in claimed] == [message.pk]
    assert not outbox.outbox_deliver_batch(now=NOW + timedelta(minutes=1))  # still leased
    assert outbox.outbox_deliver_batch(now=NOW + outbox.LEASE + timedelta(seconds=1))
    message.refresh_from_db()
    assert (message.state, message.attempts) == (MessageState.SENT, 2)
    assert len(mail.outbox) == 1
    # The first worker waking up late neither sends again nor overwrites the outcome: its claim is gone.
    assert not outbox.message_deliver(message=claimed[0], token=token, now=NOW + timedelta(minutes=10))
    assert len(mail.outbox) == 1
    assert Message.objects.get(pk=message.pk).sent_at == NOW + outbox.LEASE + timedelta(seconds=1)


def deliver_in_two_racing_workers() -> list[BaseException]:
    """Two threads with their own connections deliver batches until nothing is due; what they raised."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(100):  # bounded: a claiming bug must fail the test, not hang it
                if not outbox.outbox_deliver_batch(now=NOW):
                    break
        except BaseException as exc:  # collected and returned
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_competing_workers_send_exactly_one_email(bob):
    messages = [enqueue(bob, key=f"race{i}") for i in range(40)]
    assert deliver_in_two_racing_workers() == []
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        outbox.message_id(m) for m in messages
    )
    assert set(Message.objects.values_list("state", "attempts")) == {(MessageState.SENT, 1)}


def test_in_app_messages_are_delivered_by_the_claim_and_a_full_outbox_drains_in_one_pass(bob, alice):
    for i in range(3 * outbox.BATCH):
        enqueue(bob, key=f"inapp{i}", channel=Channel.INAPP)
    emails = [enqueue(alice, key=f"email{i}") for i in range(3)]
    assert outbox.outbox_deliver_batch(now=NOW)  # more than one batch: it keeps claiming while work is due
    assert set(Message.objects.values_list("state", "attempts", "sent_at", "lease_until")) == {
        (MessageState.SENT, 1, NOW, None)
    }
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        outbox.message_id(m) for m in emails
    )
    assert not outbox.outbox_deliver_batch(now=NOW)


def test_a_batch_sends_each_email_with_one_update_while_half_its_lease_is_left(bob, time_machine):
    from django.test.utils import CaptureQueriesContext

    time_machine.move_to(NOW, tick=False)
    for i in range(3):
        enqueue(bob, key=f"e{i}")
    token, claimed = outbox.outbox_claim(now=NOW)
    with CaptureQueriesContext(connection) as queries:
        assert outbox.outbox_deliver_claimed(token=token, claimed=claimed, now=NOW) == 3
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 3  # one mark per email, no lease renewal
    assert len(mail.outbox) == 3


def test_a_batch_past_half_its_lease_renews_it_and_skips_a_message_another_worker_took_over(bob):
    messages = [enqueue(bob, key=f"slow{i}") for i in range(3)]
    token, claimed = outbox.outbox_claim(now=NOW)
    # The lease (from NOW) is long gone by the real clock; meanwhile another worker took the second one.
    Message.objects.filter(pk=messages[1].pk).update(claimed_by="someone-else")
    assert outbox.outbox_deliver_claimed(token=token, claimed=claimed, now=NOW) == 2
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        outbox.message_id(m) for m in (messages[0], messages[2])
    )
    assert Message.objects.get(pk=messages[1].pk).state == MessageState.SENDING  # the other worker's now


@pytest.mark.django_db(transaction=True)
def test_two_competing_workers_deliver_a_mixed_outbox_exactly_once(bob, alice):
    emails = [enqueue(bob, key=f"race-email{i}") for i in range(40)]
    for i in range(200):
        enqueue(alice, key=f"race-inapp{i}", channel=Channel.INAPP)
    assert deliver_in_two_racing_workers() == []
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        outbox.message_id(m) for m in emails
    )
    assert set(Message.objects.values_list("state", "attempts")) == {(MessageState.SENT, 1)}
