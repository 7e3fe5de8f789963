"""The outbox: enqueue messages as rows; claim due ones in batches; deliver; retry with backoff.

Any number of worker processes on any number of machines may run `outbox_deliver_batch` at once:

- A claim is a *lease*. On PostgreSQL due rows are picked with `FOR UPDATE SKIP LOCKED`, so two workers
  never pick the same row; on SQLite the IMMEDIATE transaction serializes claimers. The claim stamps a
  fresh token on the rows, and every later write checks it (compare-and-set).
- Before each send the worker renews that message's lease in one guarded UPDATE, so a slow batch never
  lets another worker take over a message that is about to go out.
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
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
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
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Message.objects.deliverable(now).order_by("due_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        Message.objects.filter(pk__in=ids).deliverable(now).update(
            state=MessageState.SENDING, lease_until=now + LEASE, claimed_by=token, attempts=F("attempts") + 1
        )
    claimed = list(
        Message.objects.filter(pk__in=ids, claimed_by=token).select_related("recipient", "chat_target")
    )
    return token, claimed


def _finish(message: Message, token: str, **fields: Any) -> bool:
    """Write the outcome only if the claim is still ours (a slow worker must not undo a retry)."""
    return bool(
        Message.objects.filter(pk=message.pk, claimed_by=token, state=MessageState.SENDING).update(**fields)
    )


def message_deliver(*, message: Message, token: str, now: datetime) -> bool:
    """Send one claimed message; mark it sent, or schedule a retry, or give up. True if sent."""
    from peerpact.notifications import channels

    # Renew the lease for this one message right before sending, in one guarded UPDATE: if our lease
    # ran out and another worker took the message over, we do not send it a second time; if it is still
    # ours, no one can take it over for another LEASE, however long the rest of the batch took.
    renewed = Message.objects.filter(pk=message.pk, claimed_by=token, state=MessageState.SENDING).update(
        lease_until=max(now, timezone.now()) + LEASE
    )
    if not renewed:
        return False
    try:
        channels.send(message)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
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
    return _finish(message, token, state=MessageState.SENT, sent_at=now, lease_until=None, last_error="")


def outbox_deliver_batch(*, now: datetime) -> bool:
    """Worker unit: claim a batch of due messages and deliver them. False when nothing was due."""
    token, claimed = outbox_claim(now=now)
    for message in claimed:
        message_deliver(message=message, token=token, now=now)
    return bool(claimed)


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
