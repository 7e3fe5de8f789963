"""The re-engagement ladder: a gentle, private path back for a member who missed two cycles in a row.

| step | when | who hears |
|---|---|---|
| 1 nudge | the grace period of the 2nd consecutive missed cycle ends | the member, privately |
| 2 peer | the next cycle is missed too, or 7 quiet days after step 1 | one peer (see `peer_for`) |
| 3 organizer | another cycle is missed | the circle's facilitators and the community's organizers |

Misses are read with the check-ins' own state logic (`checkins.selectors.grid`): only `missed` counts;
excused cycles (a pause, a blackout) never count and are stepped over, like streaks do. A pause, a
closed case and a check-in each start the count afresh. Any submitted check-in, a pause (started or
planned) or leaving the circle closes an open case, and withdraws what has not been sent yet.

The unit is driven by three things, each bounded and idempotent:
- open cases are checked for a way out (a few queries, whatever their number);
- each cycle whose grace period ended is scanned once (`LadderScan` is the claim) to open or advance cases;
- step 1 cases waiting 7 days move to step 2 (compare-and-set on the step).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse

from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Checkin, Cycle, Pause
from peerpact.checkins.schedule import State
from peerpact.checkins.selectors import Cell
from peerpact.circles.models import SEATED, Circle, MemberRole, Membership, MembershipStatus
from peerpact.communities.models import CommunityMembership, CommunityRole
from peerpact.engagement.models import LadderScan, ReengagementCase, Resolution, Step
from peerpact.notifications import events
from peerpact.notifications.notify import notifications_cancel, notify
from peerpact.safety.selectors import blocked_by

logger = logging.getLogger(__name__)

# Grace ends older than this are not scanned (a worker that was down, or the first deployment).
SCAN_LOOKBACK = timedelta(days=14)
SCAN_BATCH = 20
QUIET_STEP_AFTER = timedelta(days=7)
HISTORY = 12  # cycles read to find a run of misses
CASE_BATCH = 500
QUIET_CIRCLES = ("archived", "paused")


def reengagement_advance(*, now: datetime) -> bool:
    """Worker unit: close cases whose member came back, open new ones, move the ladder on."""
    busy = _resolve_open_cases(now)
    busy = _scan_finished_cycles(now) or busy
    return _advance_quiet_cases(now) or busy


def trailing_misses(cycles: list[Cycle], cells: list[Cell], *, since: datetime | None = None) -> list[Cycle]:
    """The missed cycles in a row at the end of `cycles` (latest first); excused cycles are skipped.

    Only cycles due after `since` count (a case closed then starts the count afresh).
    """
    run: list[Cycle] = []
    for cycle, cell in zip(reversed(cycles), reversed(cells), strict=True):
        if since is not None and cycle.deadline_at <= since:
            break
        if cell.state == State.EXCUSED:
            continue
        if cell.state != State.MISSED:
            break
        run.append(cycle)
    return run


# --- Ways out --------------------------------------------------------------------------------------


def case_resolve(*, case: ReengagementCase, resolution: str, now: datetime) -> bool:
    """Close an open case (compare-and-set) and withdraw its messages not yet sent."""
    won = ReengagementCase.objects.filter(pk=case.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolution=resolution
    )
    if won:
        case.resolved_at, case.resolution = now, resolution
        notifications_cancel(dedupe_prefix=f"reengage:{case.pk}:")
        events.emit("reengagement.resolved", case, community_id=case.membership.circle.community_id, at=now)
    return bool(won)


def _resolve_open_cases(now: datetime) -> bool:
    cases = list(ReengagementCase.objects.open().select_related("membership")[:CASE_BATCH])
    if not cases:
        return False
    ids = [case.membership_id for case in cases]
    last_checkin = dict(
        Checkin.objects.filter(membership_id__in=ids, submitted_at__isnull=False)
        .values("membership_id")
        .annotate(last=Max("submitted_at"))
        .values_list("membership_id", "last")
    )
    last_pause = dict(
        Pause.objects.filter(membership_id__in=ids)
        .values("membership_id")
        .annotate(last=Max("created_at"))
        .values_list("membership_id", "last")
    )
    busy = False
    for case in cases:
        try:
            resolution = _way_out(
                case, last_checkin.get(case.membership_id), last_pause.get(case.membership_id)
            )
            if resolution:
                busy = case_resolve(case=case, resolution=resolution, now=now) or busy
        except Exception:
            logger.exception("checking re-engagement case %s failed", case.pk)
    return busy


def _way_out(case: ReengagementCase, checked_in: datetime | None, paused: datetime | None) -> str:
    status = case.membership.status
    if status not in SEATED:
        return Resolution.LEFT
    if status == MembershipStatus.PAUSED or (paused is not None and paused >= case.created_at):
        return Resolution.PAUSED
    if checked_in is not None and checked_in >= case.created_at:
        return Resolution.RETURNED
    return ""


# --- Scanning finished cycles ----------------------------------------------------------------------


def _scan_finished_cycles(now: datetime) -> bool:
    due = list(
        # closes_at >= grace_until: the indexed column narrows the read to recent cycles.
        Cycle.objects.filter(
            closes_at__gt=now - SCAN_LOOKBACK, grace_until__lte=now, grace_until__gt=now - SCAN_LOOKBACK
        )
        .exclude(circle__status__in=QUIET_CIRCLES)
        .exclude(pk__in=LadderScan.objects.values("cycle_id"))
        .select_related("circle__community")
        .order_by("grace_until")[:SCAN_BATCH]
    )
    busy = False
    for cycle in due:
        try:
            with transaction.atomic():
                LadderScan.objects.create(cycle=cycle, scanned_at=now)
        except IntegrityError:
            continue  # another worker scans it
        # The claim is committed first: a cycle that fails below is logged, never retried in a loop.
        try:
            busy = _scan(cycle, now) or busy
        except Exception:
            logger.exception("re-engagement scan of cycle %s failed", cycle.pk)
    return busy


def _scan(cycle: Cycle, now: datetime) -> bool:
    """At the end of `cycle`'s grace period: open cases for two misses in a row, advance open ones."""
    circle = cycle.circle
    cycles = list(
        reversed(Cycle.objects.filter(circle=circle, index__lte=cycle.index).order_by("-index")[:HISTORY])
    )
    members = list(
        Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).select_related("user")
    )
    if not members:
        return False
    for membership in members:
        membership.circle = circle
    table = checkin_selectors.grid(circle=circle, cycles=cycles, now=now, memberships=members)
    open_cases = {c.membership_id: c for c in ReengagementCase.objects.open().filter(membership__in=members)}
    last_closed = dict(
        ReengagementCase.objects.filter(membership__in=members, resolved_at__isnull=False)
        .values("membership_id")
        .annotate(last=Max("resolved_at"))
        .values_list("membership_id", "last")
    )
    # A pause also starts the count afresh: misses before it are not "in a row" with misses after it.
    last_pause = dict(
        Pause.objects.filter(membership__in=members)
        .values("membership_id")
        .annotate(last=Max("created_at"))
        .values_list("membership_id", "last")
    )
    busy = False
    for row in table.rows:
        try:
            case = open_cases.get(row.membership.pk)
            if case is None:
                marks = [
                    m for m in (last_closed.get(row.membership.pk), last_pause.get(row.membership.pk)) if m
                ]
                run = trailing_misses(cycles, row.cells, since=max(marks) if marks else None)
                if len(run) >= 2:
                    busy = _open_case(row.membership, run[0], cycle, now) or busy
            elif cycle.index > case.last_cycle_index and row.cells[-1].state == State.MISSED:
                case.membership = row.membership
                busy = _step_up(case, last_cycle_index=cycle.index, now=now) or busy
        except Exception:
            logger.exception("re-engagement for membership %s failed", row.membership.pk)
    return busy


def _open_case(membership: Membership, missed: Cycle, scanned: Cycle, now: datetime) -> bool:
    try:
        with transaction.atomic():
            case = ReengagementCase.objects.create(
                membership=membership,
                started_cycle=missed,
                step=Step.NUDGE,
                step_at=now,
                last_cycle_index=scanned.index,
                created_at=now,
            )
    except IntegrityError:  # an open case already exists (another worker)
        return False
    events.emit("reengagement.opened", case, community_id=membership.circle.community_id, at=now)
    _tell(case, now)
    return True


def _step_up(case: ReengagementCase, *, last_cycle_index: int, now: datetime) -> bool:
    """Move the case one step on (compare-and-set), then tell whoever that step tells."""
    if case.step >= Step.ORGANIZER:
        ReengagementCase.objects.filter(pk=case.pk).update(last_cycle_index=last_cycle_index)
        return False
    won = ReengagementCase.objects.filter(pk=case.pk, step=case.step, resolved_at__isnull=True).update(
        step=case.step + 1, step_at=now, last_cycle_index=max(last_cycle_index, case.last_cycle_index)
    )
    if not won:
        return False
    case.step, case.step_at = case.step + 1, now
    events.emit("reengagement.stepped", case, community_id=case.membership.circle.community_id, at=now)
    _tell(case, now)
    return True


def _advance_quiet_cases(now: datetime) -> bool:
    """Step 1 cases with no check-in for QUIET_STEP_AFTER move to step 2 (the peer)."""
    waiting = list(
        ReengagementCase.objects.open()
        .filter(step=Step.NUDGE, step_at__lte=now - QUIET_STEP_AFTER)
        .select_related("membership__user", "membership__circle__community")[:50]
    )
    busy = False
    for case in waiting:
        try:
            latest = (
                Cycle.objects.filter(circle_id=case.membership.circle_id, grace_until__lte=now)
                .order_by("-index")
                .values_list("index", flat=True)
                .first()
            )
            busy = _step_up(case, last_cycle_index=latest or case.last_cycle_index, now=now) or busy
        except Exception:
            logger.exception("re-engagement case %s failed to move on", case.pk)
    return busy


# --- Who hears what --------------------------------------------------------------------------------


def _urls(circle: Circle) -> dict[str, str]:
    kwargs = {"community": circle.community.slug, "circle": circle.slug}
    return {
        "checkin_url": reverse("checkins:checkin", kwargs=kwargs),
        "pause_url": reverse("checkins:pause", kwargs=kwargs),
        "members_url": reverse("circles:members", kwargs=kwargs),
        "health_url": reverse("engagement:health", kwargs=kwargs),
        "board_url": reverse("checkins:board", kwargs=kwargs),
    }


def _facilitators(circle: Circle) -> list[Membership]:
    return list(
        Membership.objects.filter(circle=circle, role=MemberRole.FACILITATOR, status__in=SEATED)
        .select_related("user")
        .order_by("pk")
    )


def _tell(case: ReengagementCase, now: datetime) -> None:
    membership = case.membership
    circle = membership.circle
    urls = _urls(circle)
    senders: dict[int, Callable[[ReengagementCase, Circle, dict[str, str], datetime], None]] = {
        Step.NUDGE: _nudge,
        Step.PEER: _peer_prompt,
        Step.ORGANIZER: _escalate,
    }
    senders[case.step](case, circle, urls, now)


def _nudge(case: ReengagementCase, circle: Circle, urls: dict[str, str], now: datetime) -> None:
    member = case.membership.user
    facilitators = [m.user.name for m in _facilitators(circle) if m.user_id != member.pk]
    notify(
        recipient=member,
        kind="engagement.nudge",
        template="emails/engagement_nudge",
        due_at=now,
        dedupe_key=f"reengage:{case.pk}:1",
        url=urls["checkin_url"],
        context={
            "title": circle.name,
            "circle": circle.name,
            "facilitators": facilitators,
            "pause_url": urls["pause_url"],
            "members_url": urls["members_url"],
        },
    )


def peer_for(*, membership: Membership, now: datetime) -> Any | None:
    """Who is asked to check in on a drifting member: never themselves, never someone either blocked.

    The current goal tracker first; else a facilitator; else the active member with the most recent
    check-in.
    """
    circle = membership.circle
    member = membership.user
    excluded = blocked_by(member) | {member.pk}
    active = {
        m.user_id: m
        for m in Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).select_related(
            "user"
        )
    }

    def fits(user: Any) -> bool:
        return user is not None and user.pk not in excluded and user.pk in active

    tracker = _tracker_of(circle, now)
    if fits(tracker):
        return tracker
    for facilitator in _facilitators(circle):
        if fits(facilitator.user):
            return facilitator.user
    recent = (
        Checkin.objects.filter(membership__in=list(active.values()), submitted_at__isnull=False)
        .exclude(membership__user_id__in=excluded)
        .order_by("-submitted_at")
        .values_list("membership__user_id", flat=True)
        .first()
    )
    return active[recent].user if recent is not None else None


def _tracker_of(circle: Circle, now: datetime) -> Any | None:
    """The goal tracker from the roles app, when it is installed (it is written alongside this one)."""
    try:
        from peerpact.roles.selectors import holder_of  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    cycle = checkin_selectors.cycle_current(circle=circle, now=now)
    if cycle is None:
        return None
    try:
        holder = holder_of(circle=circle, kind="tracker", cycle=cycle)
    except Exception:
        logger.exception("asking roles for the tracker of circle %s failed", circle.pk)
        return None
    if isinstance(holder, Membership):
        return holder.user
    return holder


def _peer_prompt(case: ReengagementCase, circle: Circle, urls: dict[str, str], now: datetime) -> None:
    peer = peer_for(membership=case.membership, now=now)
    if peer is None:
        return
    ReengagementCase.objects.filter(pk=case.pk).update(peer=peer)
    case.peer = peer
    notify(
        recipient=peer,
        kind="engagement.peer_prompt",
        template="emails/engagement_peer_prompt",
        due_at=now,
        dedupe_key=f"reengage:{case.pk}:2",
        url=urls["board_url"],
        context={"title": circle.name, "circle": circle.name, "member": case.membership.user.name},
    )


def _escalate(case: ReengagementCase, circle: Circle, urls: dict[str, str], now: datetime) -> None:
    """Facilitators (unless either blocked the other) and every organizer: they have a duty of care."""
    member = case.membership.user
    excluded = blocked_by(member) | {member.pk}
    people = {m.user_id: m.user for m in _facilitators(circle) if m.user_id not in excluded}
    for manager in CommunityMembership.objects.filter(
        community_id=circle.community_id, role__in=[CommunityRole.OWNER, CommunityRole.ORGANIZER]
    ).select_related("user"):
        if manager.user_id != member.pk:
            people[manager.user_id] = manager.user
    for person in people.values():
        notify(
            recipient=person,
            kind="engagement.escalation",
            template="emails/engagement_escalation",
            due_at=now,
            dedupe_key=f"reengage:{case.pk}:3:{person.pk}",
            url=urls["health_url"],
            context={"title": circle.name, "circle": circle.name, "member": member.name},
        )
