"""A circle's own chat channel (Slack, Discord, Teams, Matrix … through Apprise): a worker unit.

Facilitators and organizers add the circle's channel on the circle's chat page. Per cycle the channel
gets, through the outbox (`notify_group_chat`, one row per target, retried like any message):

| slot | when | only if |
|---|---|---|
| `opened` | when the cycle opens | the deadline is not in a blackout |
| `missing` | 2 hours before the deadline: who is still to check in | someone is, and no blackout |
| `digest` | when the grace period ends: who checked in, wins, help asked | — |

Dedupe keys are `circle-chat:<cycle>:<slot>:chat:<target>`, so any number of passes and workers queue
each once. A slot more than `STALE_AFTER` old (the worker was down) is skipped, never sent out of place.
Texts are written in the language of whoever added the channel and show times in the circle's zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from peerpact.checkins import reminders
from peerpact.checkins.models import Blackout, Checkin, Cycle, Pause
from peerpact.circles.models import Membership, MembershipStatus
from peerpact.notifications.models import ChatTarget, Message
from peerpact.notifications.notify import notify_group_chat

SCOPE = "circle"
MISSING_AHEAD = timedelta(hours=2)


def _due(cycle: Cycle) -> dict[str, datetime]:
    slots = {"opened": cycle.opens_at, "digest": cycle.grace_until}
    missing_at = cycle.deadline_at - MISSING_AHEAD
    if missing_at > cycle.opens_at:
        slots["missing"] = missing_at
    return slots


def circle_chat_schedule(*, now: datetime) -> bool:
    """Worker unit: queue the circle channel posts that have come due. True if it queued anything."""
    targets: dict[int, list[ChatTarget]] = {}
    for target in ChatTarget.objects.active().filter(owner__isnull=True, scope=SCOPE):
        targets.setdefault(int(target.scope_id or 0), []).append(target)
    if not targets:
        return False
    cycles = list(
        Cycle.objects.filter(
            circle_id__in=targets, opens_at__lte=now, grace_until__gte=now - reminders.STALE_AFTER
        )
        .exclude(circle__status="archived")
        .select_related("circle", "circle__community", "circle__rhythm", "circle__created_by")
    )
    if not cycles:
        return False
    earliest = min(cycle.opens_at for cycle in cycles)
    existing = set(
        Message.objects.filter(dedupe_key__startswith="circle-chat:", due_at__gte=earliest).values_list(
            "dedupe_key", flat=True
        )
    )
    queued = False
    for cycle in cycles:
        for slot, due in _due(cycle).items():
            key = f"circle-chat:{cycle.pk}:{slot}"
            if due > now or now - due > reminders.STALE_AFTER:
                continue
            if all(f"{key}:chat:{t.pk}" in existing for t in targets[cycle.circle_id]):
                continue
            queued = _post(cycle, slot, key, due) or queued
    return queued


def _post(cycle: Cycle, slot: str, key: str, due: datetime) -> bool:
    circle = cycle.circle
    zone = ZoneInfo(circle.timezone)
    blacked_out = Blackout.objects.filter(
        circle=circle,
        starts_on__lte=cycle.deadline_at.astimezone(zone).date(),
        ends_on__gte=cycle.deadline_at.astimezone(zone).date(),
    ).exists()
    context: dict[str, object] = {
        "title": circle.name,
        "circle": circle.name,
        "cycle": cycle.index,
        "deadline": cycle.deadline_at.isoformat(),
    }
    url = reminders._checkin_url(cycle)
    if slot == "opened":
        if blacked_out:
            return False
        rhythm = getattr(circle, "rhythm", None)
        rule = rhythm.reviews() if rhythm is not None else None
        review_at = rule.next_after(cycle.opens_at) if rule is not None else None
        if review_at is not None and review_at <= cycle.closes_at:
            context["review_at"] = review_at.isoformat()
        template = "emails/circle_chat_opened"
    elif slot == "missing":
        missing = [] if blacked_out else missing_names(cycle, at=due)
        if not missing:
            return False
        context["missing"] = missing
        template = "emails/circle_chat_missing"
    else:
        context = reminders._digest_context(cycle)
        url = reminders._board_url(circle) + f"?cycle={cycle.index}"
        template = "emails/circle_digest"
    creator = circle.created_by
    return (
        notify_group_chat(
            scope=SCOPE,
            scope_id=circle.pk,
            kind=f"circle.chat.{slot}",
            template=template,
            context=context,
            due_at=due,
            dedupe_key=key,
            url=url,
            language=getattr(creator, "language", "") or "",
            zone=circle.timezone,
        )
        > 0
    )


def missing_names(cycle: Cycle, *, at: datetime) -> list[str]:
    """Active members expected to check in for `cycle` (not paused, joined by `at`) who have not yet."""
    zone = ZoneInfo(cycle.circle.timezone)
    deadline_day = cycle.deadline_at.astimezone(zone).date()
    members = Membership.objects.filter(circle_id=cycle.circle_id, status=MembershipStatus.ACTIVE).filter(
        Q(joined_at__lte=at) | Q(joined_at__isnull=True, created_at__lte=at)
    )
    submitted = set(
        Checkin.objects.filter(cycle=cycle, submitted_at__isnull=False).values_list(
            "membership_id", flat=True
        )
    )
    paused = {
        p.membership_id
        for p in Pause.objects.filter(membership__circle_id=cycle.circle_id, resumed_at__isnull=True)
        if p.covers(deadline_day, cycle.deadline_at)
    }
    return sorted(
        (m.user.name for m in members.select_related("user") if m.pk not in submitted | paused),
        key=str.casefold,
    )
