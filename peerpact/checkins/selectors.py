"""Reads for boards, trackers and "what is due": a fixed number of queries, whatever the size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet

from peerpact.checkins import access, schedule
from peerpact.checkins.models import Blackout, Checkin, Cycle, Pause, Rhythm
from peerpact.checkins.schedule import State
from peerpact.circles.models import SEATED, Circle, Membership, MembershipStatus
from peerpact.goals.models import Commitment, CommitmentStatus


def cycle_current(*, circle: Circle, now: datetime) -> Cycle | None:
    """The cycle whose deadline is the next one (or the last one, if the schedule ran out)."""
    return Cycle.objects.filter(circle=circle).started(now).order_by("-index").first()


def cycle_by_index(*, circle: Circle, index: int) -> Cycle | None:
    return Cycle.objects.filter(circle=circle, index=index).first()


def seated_members(*, circle: Circle) -> list[Membership]:
    members = list(
        Membership.objects.filter(circle=circle, status__in=SEATED)
        .select_related("user")
        .order_by("user__display_name", "user__email")
    )
    for membership in members:
        membership.circle = circle  # one shared object: access checks reuse its per-request cache
    return members


@dataclass
class Cell:
    """One member in one cycle."""

    state: State | None  # None: not a member at that time
    checkin: Checkin | None = None
    done: int = 0
    total: int = 0

    @property
    def is_final(self) -> bool:
        return self.state not in (None, State.PENDING, State.GRACE)


@dataclass
class Row:
    membership: Membership
    cells: list[Cell] = field(default_factory=list)
    streak: int = 0
    longest: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    excused: int = 0


@dataclass
class Grid:
    cycles: list[Cycle]
    rows: list[Row]


def _excusals(circle: Circle, memberships: list[Membership], cycles: list[Cycle]) -> set[tuple[int, int]]:
    """(membership id, cycle id) pairs excused by a pause or a blackout."""
    blackouts = list(Blackout.objects.filter(circle=circle))
    pauses: dict[int, list[Pause]] = defaultdict(list)
    for pause in Pause.objects.filter(membership__in=memberships):
        pauses[pause.membership_id].append(pause)
    excused: set[tuple[int, int]] = set()
    zone = ZoneInfo(
        circle.timezone
    )  # not cycle.deadline_local_date(): that would load cycle.circle per cycle
    for cycle in cycles:
        day = cycle.deadline_at.astimezone(zone).date()
        blacked_out = any(b.covers(day) for b in blackouts)
        for membership in memberships:
            if blacked_out or any(p.covers(day, cycle.deadline_at) for p in pauses[membership.pk]):
                excused.add((membership.pk, cycle.pk))
    return excused


def grid(
    *,
    circle: Circle,
    cycles: list[Cycle],
    now: datetime,
    memberships: list[Membership] | None = None,
    with_answers: bool = True,
) -> Grid:
    """Members x cycles: state, check-in, commitments done/total, streaks. Five queries in all.

    `with_answers=False` reads only what states need (the tracker's hundreds of cells never show the
    answers or the draft): the cells' check-ins then carry ids and times, not text.
    """
    memberships = seated_members(circle=circle) if memberships is None else memberships
    rows_read = Checkin.objects.filter(cycle__in=cycles, membership__in=memberships)
    if not with_answers:
        rows_read = rows_read.only("id", "membership_id", "cycle_id", "submitted_at", "version", "visibility")
    checkins = {(c.membership_id, c.cycle_id): c for c in rows_read}
    commitment_counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for membership_id, cycle_id, status in Commitment.objects.filter(
        cycle__in=cycles, membership__in=memberships
    ).values_list("membership_id", "cycle_id", "status"):
        counts = commitment_counts[(membership_id, cycle_id)]
        counts[1] += 1
        counts[0] += status == CommitmentStatus.DONE
    excused = _excusals(circle, memberships, cycles)
    rows = []
    for membership in memberships:
        row = Row(membership=membership)
        states: list[State] = []
        for cycle in cycles:
            joined = membership.joined_at or membership.created_at
            if joined >= cycle.deadline_at:
                row.cells.append(Cell(state=None))
                continue
            checkin = checkins.get((membership.pk, cycle.pk))
            submitted_at = checkin.submitted_at if checkin else None
            is_excused = (membership.pk, cycle.pk) in excused or joined > cycle.opens_at
            state = schedule.member_state(
                times=cycle.times, submitted_at=submitted_at, now=now, excused=is_excused
            )
            done, total = commitment_counts.get((membership.pk, cycle.pk), (0, 0))
            row.cells.append(Cell(state=state, checkin=checkin, done=done, total=total))
            states.append(state)
        row.streak = schedule.streak(states)
        row.longest = schedule.longest_streak(states)
        row.on_time = states.count(State.ON_TIME)
        row.late = states.count(State.LATE)
        row.missed = states.count(State.MISSED)
        row.excused = states.count(State.EXCUSED)
        rows.append(row)
    return Grid(cycles=cycles, rows=rows)


def tracker_cycles(*, circle: Circle, now: datetime, last: int = 12) -> list[Cycle]:
    """The latest `last` cycles that have opened, oldest first."""
    started = Cycle.objects.filter(circle=circle).started(now).order_by("-index")[:last]
    return list(reversed(started))


@dataclass
class BoardEntry:
    membership: Membership
    state: State | None
    checkin: Checkin | None
    visible: bool
    commitments: list[Commitment]
    next_commitments: list[Commitment]
    is_moderated: bool = False  # submitted, but hidden or removed by a moderator


def board(*, circle: Circle, cycle: Cycle, viewer: Any, now: datetime) -> list[BoardEntry]:
    """Each member's state, update and commitments for one cycle, as `viewer` may see them."""
    memberships = seated_members(circle=circle)
    cells = grid(circle=circle, cycles=[cycle], now=now, memberships=memberships)
    commitments: dict[tuple[int, int], list[Commitment]] = defaultdict(list)
    for commitment in Commitment.objects.filter(
        membership__in=memberships, cycle__circle=circle, cycle__index__in=[cycle.index, cycle.index + 1]
    ).select_related("cycle", "goal"):
        commitments[(commitment.membership_id, commitment.cycle.index)].append(commitment)
    entries = []
    for row in cells.rows:
        cell = row.cells[0]
        checkin = cell.checkin if cell.checkin and cell.checkin.is_submitted else None
        if checkin is not None:
            checkin.membership = row.membership  # avoid a query per access check
        visible = checkin is not None and access.can_view_checkin(viewer, checkin)
        entries.append(
            BoardEntry(
                membership=row.membership,
                state=cell.state,
                checkin=checkin if visible else None,
                visible=visible,
                commitments=commitments[(row.membership.pk, cycle.index)],
                next_commitments=commitments[(row.membership.pk, cycle.index + 1)],
                is_moderated=checkin is not None and not checkin.is_visible,
            )
        )
    return entries


@dataclass
class DueItem:
    membership: Membership
    cycle: Cycle
    state: State
    checkin: Checkin | None


def due_for_user(*, user: Any, now: datetime) -> list[DueItem]:
    """Open check-ins of every circle the user sits in, soonest deadline first."""
    memberships = list(
        # Paused members are not expected to check in: nothing is "due" for them.
        Membership.objects.filter(user=user, status=MembershipStatus.ACTIVE, circle__rhythm__isnull=False)
        .exclude(circle__status="archived")
        .select_related("circle", "circle__community", "circle__rhythm")
    )
    if not memberships:
        return []
    cycles = list(
        Cycle.objects.filter(circle__in=[m.circle_id for m in memberships])
        .open_for_checkin(now)
        .select_related("circle__community")
        .order_by("deadline_at")
    )
    checkins = {
        (c.membership_id, c.cycle_id): c
        for c in Checkin.objects.filter(membership__in=memberships, cycle__in=cycles)
    }
    by_circle = {m.circle_id: m for m in memberships}
    items = []
    for cycle in cycles:
        membership = by_circle[cycle.circle_id]
        checkin = checkins.get((membership.pk, cycle.pk))
        state = schedule.member_state(
            times=cycle.times, submitted_at=checkin.submitted_at if checkin else None, now=now, excused=False
        )
        if state in (State.ON_TIME, State.LATE) and cycle.deadline_at < now:
            continue  # done and past: nothing to do
        items.append(DueItem(membership=membership, cycle=cycle, state=state, checkin=checkin))
    return items


def rhythm_for(circle: Circle) -> Rhythm | None:
    return Rhythm.objects.filter(circle=circle).first()


def circles_with_rhythm(ids: list[int]) -> QuerySet[Circle]:
    return Circle.objects.filter(pk__in=ids).prefetch_related(Prefetch("cycles"))


def cycle_to_check_in(*, membership: Membership, now: datetime) -> Cycle | None:
    """The oldest open cycle the member has not submitted for; else the current one."""
    open_cycles = list(
        Cycle.objects.filter(circle_id=membership.circle_id).open_for_checkin(now).order_by("index")
    )
    submitted = set(
        Checkin.objects.filter(
            membership=membership, cycle__in=open_cycles, submitted_at__isnull=False
        ).values_list("cycle_id", flat=True)
    )
    for cycle in open_cycles:
        if cycle.pk not in submitted:
            return cycle
    return cycle_current(circle=membership.circle, now=now)


def checkin_context(*, membership: Membership, cycle: Cycle) -> dict[str, Any]:
    """What the check-in screen needs: commitments due, goals with their last numbers, next steps set."""
    from peerpact.goals.models import Goal, GoalProgress, GoalStatus

    due = list(Commitment.objects.filter(membership=membership, cycle=cycle).select_related("goal"))
    goals = list(Goal.objects.filter(membership=membership, status=GoalStatus.ACTIVE))
    latest: dict[int, Any] = {}
    for progress in GoalProgress.objects.filter(goal__in=goals, cycle__index__lte=cycle.index).order_by(
        "cycle__index"
    ):
        latest[progress.goal_id] = progress
    upcoming = list(
        Commitment.objects.filter(
            membership=membership, cycle__circle_id=cycle.circle_id, cycle__index=cycle.index + 1
        )
    )
    return {"due": due, "goals": goals, "latest_progress": latest, "upcoming": upcoming}
