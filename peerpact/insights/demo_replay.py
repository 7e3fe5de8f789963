"""Replay the worker over the demo's last days, so the notification centre has its recent history.

The demo's twelve weeks are written in one go; the reminders, nudges and digests that a running worker
would have sent along the way are not. This walks the clock through every moment something was due in
the last `DAYS` days (cycle opened, reminders, late nudge, missed note, digest, review reminders — and
whatever other units the apps registered, such as role duties or the re-engagement ladder) and runs the
worker's real units at each, delivering in-app notifications as they come due. The demo people are
fictional, so their emails are withdrawn before delivery: only what the worker sends after `make run`
starts goes to the console.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from peerpact.checkins import reminders
from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle
from peerpact.notifications import outbox, worker
from peerpact.notifications.models import Channel, Message, MessageState

DAYS = 8
STEP = timedelta(minutes=1)  # run each moment a minute after it fell due


def _moments(circles: list[Circle], since: datetime, now: datetime) -> list[datetime]:
    moments: set[datetime] = set()
    for cycle in Cycle.objects.filter(circle__in=circles, grace_until__gte=since, opens_at__lte=now):
        moments.update(slot.due_at for slot in reminders.slots(cycle))
    for circle in circles:
        rhythm = getattr(circle, "rhythm", None)
        rule = rhythm.reviews() if rhythm is not None else None
        if rule is not None:
            moments.update(start - reminders.REVIEW_AHEAD for start in rule.between(since, now))
    # Daily passes too, for units with their own timing (e.g. a ladder step a few days on).
    moments.update(since + timedelta(days=day, hours=12) for day in range(DAYS))
    return sorted(m + STEP for m in moments if since <= m + STEP <= now)


def replay(*, circles: list[Circle], now: datetime) -> int:
    """Run the worker at each due moment of the last days; returns how many in-app notices were sent."""
    since = now - timedelta(days=DAYS)
    for moment in _moments(circles, since, now):
        worker_pass(moment)
    worker_pass(now)
    return Message.objects.filter(channel=Channel.INAPP, state=MessageState.SENT).count()


def worker_pass(moment: datetime) -> None:
    for unit in worker.due_work_units():
        if unit is not outbox.outbox_deliver_batch:
            unit(now=moment)
    # Fictional people get no email (and chat targets do not exist in the demo).
    Message.objects.filter(channel=Channel.EMAIL, state=MessageState.PENDING).update(
        state=MessageState.CANCELLED, last_error="demo data: fictional people get no email"
    )
    for _batch in range(1000):  # bounded: a few hundred people's notices at most
        if not outbox.outbox_deliver_batch(now=moment):
            break
