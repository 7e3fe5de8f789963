"""The outbox: enqueue messages as rows; claim due ones in batches; deliver; retry with backoff.

Any number of worker processes on any number of machines may run `outbox_deliver_batch` at once:

- A claim is a *lease*. On PostgreSQL due rows are picked with `FOR UPDATE SKIP LOCKED`, so two workers
  never pick the same row; on SQLite the IMMEDIATE transaction serializes claimers. The claim stamps a
  fresh token on the rows, and every later write checks it (compare-and-set).
- In-app messages are delivered by the claim itself: the claiming transaction marks them sent (their
  delivery *is* the mark), so a batch of them costs one transaction, like a bare SKIP LOCKED loop.
- Other messages are sent one by one, each marked right after its send. Before a send, when less than
  half of the lease is left, the worker renews the rest of its batch in one guarded UPDATE, so a slow
  batch never lets another worker take over a message that is about to go out (this assumes worker
  clocks agree to within LEASE / 2, minus the length of one send).
- The worker unit keeps claiming batches while messages are due, for up to DRAIN of wall time.
- A worker that dies mid-send leaves rows in `sending`; when their lease ends another worker retries
  them. Delivery is therefore at-least-once across crashes: a receiver can drop the rare repeat by the
  stable Message-ID. Only a message that was sent but not yet marked when its worker died can repeat —
  at most one per dead worker (measured in test_outbox_processes.py).
- A failing row is retried with exponential backoff and full jitter, then marked `failed` after
  `MAX_ATTEMPTS`. It never stops the queue: every other row is still delivered.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from peerpact.notifications.models import Message, MessageState

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 6
BATCH = 50
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=6)


def message_enqueue(
    *,
    recipient: Any,
    kind: str,
    channel: str,
    template: str,
    context: dict[str, Any],
    due_at: datetime,
    dedupe_key: str,
    url: str = "",
    chat_target: Any = None,
) -> tuple[Message, bool]:
    """Put a message in the outbox once: the same dedupe key returns the existing row.

    A message goes to a person (`recipient`), or to one group chat target (`chat_target`, no recipient).
    """
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            message = Message.objects.create(
                recipient=recipient,
                kind=kind,
                channel=channel,
                template=template,
                context=context,
                due_at=due_at,
                dedupe_key=dedupe_key,
                url=url,
                chat_target=chat_target,
            )
    except IntegrityError:  # another process enqueued the same message a moment ago
        return Message.objects.get(dedupe_key=dedupe_key), False
    return message, True


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: somewhere in [0, min(cap, base * 2**(attempts-1))]."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempts - 1, 0)))
    return timedelta(seconds=(rng or random).uniform(0, ceiling.total_seconds()))


def outbox_claim(*, now: datetime, limit: int = BATCH) -> tuple[str, list[Message]]:
    """Lease up to `limit` due messages to this caller. Returns the claim token and the messages."""
    token, claimed, _delivered = _claim(now=now, limit=limit, deliver_local=False)
    return token, claimed


def _claim(*, now: datetime, limit: int, deliver_local: bool) -> tuple[str, list[Message], int]:
    """Lease due messages; with `deliver_local`, mark those delivered by the mark alone (in-app) sent
    in the same transaction instead — for them the claim is the delivery. Returns the token, the leased
    messages and how many were delivered that way."""
    from peerpact.notifications.channels import delivered_by_mark

    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Message.objects.deliverable(now).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.values_list("pk", "channel")[:limit])
        if not rows:
            return token, [], 0
        local = [pk for pk, channel in rows if deliver_local and delivered_by_mark(channel)]
        leased = [pk for pk, channel in rows if not (deliver_local and delivered_by_mark(channel))]
        delivered = 0
        if local:
            delivered = (
                Message.objects.filter(pk__in=local)
                .deliverable(now)
                .update(
                    state=MessageState.SENT,
                    sent_at=now,
                    lease_until=None,
                    last_error="",
                    claimed_by=token,
                    attempts=F("attempts") + 1,
                )
            )
        if leased:
            Message.objects.filter(pk__in=leased).deliverable(now).update(
                state=MessageState.SENDING,
                lease_until=now + LEASE,
                claimed_by=token,
                attempts=F("attempts") + 1,
            )
    claimed = (
        list(
            Message.objects.filter(pk__in=leased, claimed_by=token).select_related("recipient", "chat_target")
        )
        if leased
        else []
    )
    return token, claimed, delivered


def _finish(message: Message, token: str, **fields: Any) -> bool:
    """Write the outcome only if the claim is still ours (a slow worker must not undo a retry)."""
    return bool(
        Message.objects.filter(pk=message.pk, claimed_by=token, state=MessageState.SENDING).update(**fields)
    )


def message_deliver(*, message: Message, token: str, now: datetime) -> bool:
    """Send one claimed message; mark it sent, or schedule a retry, or give up. True if sent."""
    # Renew the lease for this one message right before sending, in one guarded UPDATE: if our lease
    # ran out and another worker took the message over, we do not send it a second time; if it is still
    # ours, no one can take it over for another LEASE, however long the rest of the batch took.
    renewed = Message.objects.filter(pk=message.pk, claimed_by=token, state=MessageState.SENDING).update(
        lease_until=max(now, timezone.now()) + LEASE
    )
    if not renewed:
        return False
    return _send(message=message, token=token, now=now)


def _send(*, message: Message, token: str, now: datetime) -> bool:
    """Send a message whose lease is ours for a while yet; mark the outcome. True if sent."""
    from peerpact.notifications import channels

    try:
        channels.send(message)
    except Exception as exc:
        # PostgreSQL text cannot hold NUL: an error quoting a raw server answer must not make the
        # outcome unwritable (the row would stay leased and come back with its batch forever).
        error = f"{type(exc).__name__}: {exc}".replace("\x00", "\\x00")[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            logger.warning(
                "outbox: message %s failed after %s attempts: %s", message.pk, message.attempts, error
            )
            _finish(message, token, state=MessageState.FAILED, last_error=error, lease_until=None)
        else:
            _finish(
                message,
                token,
                state=MessageState.PENDING,
                last_error=error,
                lease_until=None,
                due_at=now + backoff(message.attempts),
            )
        return False
    # Marked right after the send, one by one: a worker that dies leaves at most one message sent but
    # not marked (the one repeat a receiver may see).
    return _finish(message, token, state=MessageState.SENT, sent_at=now, lease_until=None, last_error="")


def _lease_renew(messages: list[Message], *, token: str, now: datetime) -> list[Message]:
    """Extend the lease of the batch's unsent messages in one guarded UPDATE; those still ours."""
    until = max(now, timezone.now()) + LEASE
    ours = Message.objects.filter(
        pk__in=[m.pk for m in messages], claimed_by=token, state=MessageState.SENDING
    )
    if ours.update(lease_until=until) != len(messages):
        kept = set(ours.values_list("pk", flat=True))
        messages = [m for m in messages if m.pk in kept]
    for message in messages:
        message.lease_until = until
    return messages


def outbox_deliver_claimed(*, token: str, claimed: list[Message], now: datetime) -> int:
    """Send a claimed batch one by one, each marked right after its send. Returns how many were sent.

    The lease is renewed (for the rest of the batch at once) whenever less than half of it is left
    before a send, so a message never goes out after its lease could have run out: a slow batch is not
    taken over mid-send.
    """
    remote = list(claimed)
    sent = 0
    while remote:
        message = remote[0]
        if message.lease_until is None or message.lease_until - max(now, timezone.now()) < LEASE / 2:
            remote = _lease_renew(remote, token=token, now=now)
            if not remote or remote[0] is not message:
                continue  # that one was taken over by another worker: not ours to send
        try:
            sent += _send(message=message, token=token, now=now)
        except (OperationalError, InterfaceError):
            raise  # the database is gone, not this row: the worker loop backs off and reconnects
        except Exception:
            # One row that cannot even be marked must not strand the rest of the batch behind it: it
            # stays leased and is retried (and counted) when the lease ends; the others go out now.
            logger.exception("outbox: message %s could not be delivered or marked", message.pk)
        remote = remote[1:]
    return sent


DRAIN = timedelta(seconds=1)
DRAIN_BATCHES = 40


def outbox_deliver_batch(*, now: datetime) -> bool:
    """Worker unit: claim due messages in batches and deliver them. False when nothing was due.

    In-app messages are delivered by the claim itself (one transaction marks the batch's in-app rows
    sent); the others are leased and sent one by one (outbox_deliver_claimed).

    It keeps claiming while messages are due, up to DRAIN of wall time (or DRAIN_BATCHES), so a full
    outbox is not delivered one batch per loop of every unit; the other units still run every second.
    """
    started = time.monotonic()
    busy = False
    for _ in range(DRAIN_BATCHES):
        token, claimed, delivered = _claim(now=now, limit=BATCH, deliver_local=True)
        if not claimed and not delivered:
            break
        busy = True
        outbox_deliver_claimed(token=token, claimed=claimed, now=now)
        if time.monotonic() - started >= DRAIN.total_seconds():
            break
    return busy


def message_retry(*, message: Message, now: datetime) -> Message:
    """Give a failed message a fresh start (the admin's "retry" action)."""
    Message.objects.filter(pk=message.pk, state=MessageState.FAILED).update(
        state=MessageState.PENDING, attempts=0, due_at=now, last_error="", claimed_by=""
    )
    message.refresh_from_db()
    return message


def queue_depth(*, now: datetime) -> int:
    return Message.objects.deliverable(now).count()


def message_id(message: Message) -> str:
    """A stable Message-ID, the same on every retry, so receivers can drop a repeat."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "peerpact.invalid"
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    return f"<outbox-{message.pk}-{digest}@{host}>"
