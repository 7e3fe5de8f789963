"""The check-in reminder scheduler: a worker unit that turns the rhythm into messages.

Per member and cycle it may send, through `notifications.notify` (which applies each person's muted
kinds, quiet hours and daily cap):

| kind | when | only if |
|---|---|---|
| `checkin.opened` | when the cycle opens | — |
| `checkin.reminder` | 24 h and 2 h before the deadline | nothing submitted yet |
| `checkin.late` | half-way through the grace period (at most 12 h after the deadline) | nothing submitted |
| `checkin.missed` | when the grace period ends — a supportive note, never shaming | nothing submitted |

Nothing goes to paused members, to members excused by a blackout, or to someone who joined after the
moment in question. Each message has a dedupe key `checkin:<membership>:<cycle>:<slot>`, so any number
of passes and workers create it once; a reminder that is more than `STALE_AFTER` late (the worker was
down) is skipped rather than sent out of place. Submitting a check-in withdraws its pending reminders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse

from peerpact.checkins import ical
from peerpact.checkins.models import Blackout, Checkin, Cycle, Pause
from peerpact.circles.models import Membership, MembershipStatus
from peerpact.goals.models import Commitment
from peerpact.notifications.models import Message
from peerpact.notifications.notify import Notice, notifications_cancel, notify_many

REMINDER_OFFSETS = (timedelta(hours=24), timedelta(hours=2))
STALE_AFTER = timedelta(hours=3)
LATE_NUDGE_MAX = timedelta(hours=12)


@dataclass(frozen=True)
class Slot:
    key: str
    kind: str
    template: str
    due_at: datetime
    needs_silence: bool  # only while nothing has been submitted


def slots(cycle: Cycle) -> list[Slot]:
    """Every message a cycle may cause, with its due time."""
    late_at = cycle.deadline_at + min((cycle.grace_until - cycle.deadline_at) / 2, LATE_NUDGE_MAX)
    found = [Slot("opened", "checkin.opened", "emails/checkin_opened", cycle.opens_at, needs_silence=False)]
    for offset in REMINDER_OFFSETS:
        due = cycle.deadline_at - offset
        if due > cycle.opens_at:
            hours = int(offset.total_seconds() // 3600)
            found.append(Slot(f"reminder-{hours}h", "checkin.reminder", "emails/checkin_reminder", due, True))
    if cycle.grace_until > cycle.deadline_at:
        found.append(Slot("late", "checkin.late", "emails/checkin_late", late_at, True))
    found.append(Slot("missed", "checkin.missed", "emails/checkin_missed", cycle.grace_until, True))
    return found


def dedupe_prefix(membership_id: int, cycle_id: int) -> str:
    return f"checkin:{membership_id}:{cycle_id}:"


def reminders_schedule(*, now: datetime) -> bool:
    """Worker unit: queue every reminder that has come due. True if it queued anything."""
    cycles = list(
        Cycle.objects.filter(opens_at__lte=now, grace_until__gte=now - STALE_AFTER)
        .exclude(circle__status="archived")
        .select_related("circle", "circle__community", "circle__rhythm")
    )
    if not cycles:
        return False
    circle_ids = {c.circle_id for c in cycles}
    members = list(
        Membership.objects.filter(circle_id__in=circle_ids, status=MembershipStatus.ACTIVE).select_related(
            "user"
        )
    )
    submitted = set(
        Checkin.objects.filter(cycle__in=cycles, submitted_at__isnull=False).values_list(
            "membership_id", "cycle_id"
        )
    )
    blackouts: dict[int, list[Blackout]] = defaultdict(list)
    for blackout in Blackout.objects.filter(circle_id__in=circle_ids):
        blackouts[blackout.circle_id].append(blackout)
    pauses: dict[int, list[Pause]] = defaultdict(list)
    for pause in Pause.objects.filter(
        membership__circle_id__in=circle_ids,
        membership__status=MembershipStatus.ACTIVE,
        resumed_at__isnull=True,
    ):
        pauses[pause.membership_id].append(pause)
    by_circle: dict[int, list[Membership]] = defaultdict(list)
    for membership in members:
        by_circle[membership.circle_id].append(membership)
    # Quiet hours only ever move a message later, so nothing of these cycles is due before they opened.
    earliest = min(c.opens_at for c in cycles)
    existing = set(
        Message.objects.filter(
            Q(dedupe_key__startswith="checkin:")
            | Q(dedupe_key__startswith="review:")
            | Q(dedupe_key__startswith="digest:"),
            due_at__gte=earliest,
        ).values_list("dedupe_key", flat=True)
    )
    due: list[tuple[Cycle, Membership, Slot, str]] = []
    for cycle in cycles:
        zone = ZoneInfo(cycle.circle.timezone)
        deadline_day = cycle.deadline_at.astimezone(zone).date()
        if any(b.covers(deadline_day) for b in blackouts[cycle.circle_id]):
            continue
        cycle_slots = [s for s in slots(cycle) if s.due_at <= now and now - s.due_at <= STALE_AFTER]
        if not cycle_slots:
            continue
        for membership in by_circle[cycle.circle_id]:
            if any(p.covers(deadline_day, cycle.deadline_at) for p in pauses[membership.pk]):
                continue
            joined = membership.joined_at or membership.created_at
            done = (membership.pk, cycle.pk) in submitted
            for slot in cycle_slots:
                key = f"{dedupe_prefix(membership.pk, cycle.pk)}{slot.key}"
                if joined > slot.due_at:
                    continue
                if (slot.needs_silence and done) or f"{key}:email" in existing or f"{key}:inapp" in existing:
                    continue
                due.append((cycle, membership, slot, key))
    commitments = _commitments([(c, m) for c, m, slot, _key in due if slot.key == "opened"])
    notices = [
        Notice(
            recipient=membership.user,
            kind=slot.kind,
            template=slot.template,
            due_at=slot.due_at,
            dedupe_key=key,
            url=_checkin_url(cycle),
            context=_context(cycle, slot, commitments.get((membership.pk, cycle.pk), [])),
        )
        for cycle, membership, slot, key in due
    ]
    circles = {cycle.circle_id: cycle.circle for cycle in cycles}
    notices += _digests(now, cycles, by_circle, existing)
    notices += _review_reminders(now, by_circle, existing, circles)
    notify_many(notices)
    return bool(notices)


def _commitments(pairs: list[tuple[Cycle, Membership]]) -> dict[tuple[int, int], list[str]]:
    """The first ten commitments of each (membership, cycle), for the "cycle opened" messages."""
    found: dict[tuple[int, int], list[str]] = defaultdict(list)
    if not pairs:
        return found
    wanted = {(m.pk, c.pk) for c, m in pairs}
    rows = Commitment.objects.filter(
        cycle_id__in={c.pk for c, _m in pairs}, membership_id__in={m.pk for _c, m in pairs}
    ).values_list("membership_id", "cycle_id", "text")
    for membership_id, cycle_id, text in rows:
        texts = found[(membership_id, cycle_id)]
        if (membership_id, cycle_id) in wanted and len(texts) < 10:
            texts.append(text)
    return found


def _digests(
    now: datetime, cycles: list[Cycle], by_circle: dict[int, list[Membership]], existing: set[str]
) -> list[Notice]:
    """When a cycle's grace period ends, each member gets its digest: who checked in, wins, help asked."""
    notices = []
    for cycle in cycles:
        due = cycle.grace_until
        if due > now or now - due > STALE_AFTER:
            continue
        readers = [
            m
            for m in by_circle[cycle.circle_id]
            if (m.joined_at or m.created_at) <= due and f"digest:{m.pk}:{cycle.pk}:email" not in existing
        ]
        if not readers:
            continue
        context = _digest_context(cycle)  # a few queries per circle whose digest is due
        for membership in readers:
            notices.append(
                Notice(
                    recipient=membership.user,
                    kind="circle.digest",
                    template="emails/circle_digest",
                    due_at=due,
                    dedupe_key=f"digest:{membership.pk}:{cycle.pk}",
                    url=_board_url(cycle.circle) + f"?cycle={cycle.index}",
                    context=context,
                )
            )
    return notices


# Higher apps add to the digest (roles: the published cycle summary); each returns keys to merge in.
DIGEST_EXTRAS: list[Callable[[Cycle], dict[str, object]]] = []


def _digest_context(cycle: Cycle) -> dict[str, object]:
    """The cycle in a few lines. Only updates shared with the whole circle are quoted."""
    from peerpact.checkins import selectors
    from peerpact.checkins.models import CheckinVisibility

    table = selectors.grid(circle=cycle.circle, cycles=[cycle], now=cycle.grace_until)
    people = []
    for row in table.rows:
        cell = row.cells[0]
        shared = (
            cell.checkin
            if cell.checkin
            and cell.checkin.visibility == CheckinVisibility.CIRCLE
            and cell.checkin.is_visible
            else None
        )
        people.append(
            {
                "name": row.membership.user.name,
                "state": str(cell.state or ""),
                "wins": shared.wins if shared else "",
                "help": shared.help_request if shared else "",
            }
        )
    context: dict[str, object] = {
        "title": cycle.circle.name,
        "circle": cycle.circle.name,
        "cycle": cycle.index,
        "people": people,
        "checked_in": sum(1 for p in people if p["state"] in ("on_time", "late")),
        "members": len(people),
    }
    for extra in DIGEST_EXTRAS:
        context.update(extra(cycle))
    return context


REVIEW_AHEAD = timedelta(hours=1)


def _review_reminders(
    now: datetime, by_circle: dict[int, list[Membership]], existing: set[str], circles: dict[int, Any]
) -> list[Notice]:
    """Queue "review in an hour" (with the link and an .ics) for every member of circles meeting soon."""
    notices = []
    for circle in circles.values():
        rhythm = getattr(circle, "rhythm", None)
        if rhythm is None:
            continue
        rule = rhythm.reviews()
        if rule is None:
            continue
        for starts_at in rule.between(now - STALE_AFTER, now + REVIEW_AHEAD):
            due = starts_at - REVIEW_AHEAD
            if due > now or now - due > STALE_AFTER:
                continue
            invitation = ical.review_invitation(circle=circle, rhythm=rhythm, starts_at=starts_at)
            for membership in by_circle[circle.pk]:
                key = f"review:{membership.pk}:{starts_at:%Y%m%dT%H%M}"
                if (membership.joined_at or membership.created_at) > due or f"{key}:email" in existing:
                    continue
                notices.append(
                    Notice(
                        recipient=membership.user,
                        kind="review.reminder",
                        template="emails/review_reminder",
                        due_at=due,
                        dedupe_key=key,
                        url=rhythm.review_location
                        if _is_link(rhythm.review_location)
                        else _board_url(circle),
                        context={
                            "title": circle.name,
                            "circle": circle.name,
                            "starts_at": starts_at.isoformat(),
                            "minutes": rhythm.review_duration_minutes,
                            "location": rhythm.review_location,
                            "attachments": [
                                {"filename": "review.ics", "content": invitation, "mimetype": "text/calendar"}
                            ],
                        },
                    )
                )
    return notices


def _is_link(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def _board_url(circle: Any) -> str:
    return reverse("checkins:board", kwargs={"community": circle.community.slug, "circle": circle.slug})


def _checkin_url(cycle: Cycle) -> str:
    return reverse(
        "checkins:checkin-cycle",
        kwargs={"community": cycle.circle.community.slug, "circle": cycle.circle.slug, "index": cycle.index},
    )


def _context(cycle: Cycle, slot: Slot, commitments: list[str]) -> dict[str, object]:
    context: dict[str, object] = {
        "title": cycle.circle.name,
        "circle": cycle.circle.name,
        "cycle": cycle.index,
        "deadline": cycle.deadline_at.isoformat(),
        "grace_until": cycle.grace_until.isoformat(),
    }
    if slot.key == "opened":
        context["commitments"] = commitments
    return context


WITHDRAWN_ON_CHECKIN = ("reminder-", "late", "missed")  # "opened" is sent whatever happens


def reminders_withdraw(*, membership: Membership, cycle: Cycle) -> int:
    """The check-in is in: pending reminders, nudges and missed notes for it are no longer needed."""
    prefix = dedupe_prefix(membership.pk, cycle.pk)
    return sum(notifications_cancel(dedupe_prefix=f"{prefix}{slot}") for slot in WITHDRAWN_ON_CHECKIN)
