"""Reads for a circle's insights page and one member's: the check-in heatmap (members x cycles), streaks
and goal progress charts. A fixed number of queries; goals pass through goals.access as on goal pages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Blackout, Cycle
from peerpact.checkins.schedule import State
from peerpact.checkins.selectors import Cell
from peerpact.circles.models import Circle, Membership
from peerpact.goals import charts as goal_charts
from peerpact.goals import selectors as goal_selectors
from peerpact.goals.models import Direction, GoalProgress
from peerpact.goals.selectors import GoalRow
from peerpact.insights import charts

COLUMNS = 12  # cycles shown
HISTORY = 1000  # cycles read for streaks (as the tracker does)

KIND_BY_STATE = {
    State.ON_TIME: "on_time",
    State.LATE: "late",
    State.MISSED: "missed",
    State.PENDING: "due",
    State.GRACE: "due",
}


@dataclass
class MemberLine:
    membership: Membership
    kinds: list[str]
    streak: int
    longest: int
    on_time: int
    late: int
    missed: int
    excused: int

    @property
    def rate(self) -> float | None:
        expected = self.on_time + self.late + self.missed
        return (self.on_time + self.late) / expected if expected else None


@dataclass
class GoalChart:
    row: GoalRow
    chart: goal_charts.LineChart | None
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CircleInsights:
    cycles: list[Cycle]
    lines: list[MemberLine]
    heatmap: charts.Heatmap | None
    goals: list[GoalChart]


def cell_kind(
    cell: Cell, cycle: Cycle, membership: Membership, blackout_days: set[Any], zone: ZoneInfo
) -> str:
    """A heatmap cell's kind: the tracker's state, with "excused" told apart as blackout, joined later
    or paused (the pause's reason is never read here)."""
    if cell.state is None:
        return "none"
    if cell.state != State.EXCUSED:
        return KIND_BY_STATE[cell.state]
    if cycle.deadline_at.astimezone(zone).date() in blackout_days:
        return "blackout"
    joined = membership.joined_at or membership.created_at
    return "joined" if joined > cycle.opens_at else "paused"


def circle_insights(
    *, circle: Circle, viewer: Any, now: datetime, membership: Membership | None = None
) -> CircleInsights:
    """Heatmap of the last 12 started cycles, streaks over all, and the goals `viewer` may see (of
    `membership` only, when given)."""
    cycles = checkin_selectors.tracker_cycles(circle=circle, now=now, last=HISTORY)
    members = [membership] if membership is not None else checkin_selectors.seated_members(circle=circle)
    table = checkin_selectors.grid(circle=circle, cycles=cycles, now=now, memberships=members)
    zone = ZoneInfo(circle.timezone)
    shown = cycles[-COLUMNS:]
    days: set[Any] = set()
    blackouts = list(Blackout.objects.filter(circle=circle))
    for cycle in shown:
        day = cycle.deadline_at.astimezone(zone).date()
        if any(b.covers(day) for b in blackouts):
            days.add(day)
    lines = []
    for row in table.rows:
        cells = row.cells[-COLUMNS:] if shown else []
        kinds = [
            cell_kind(cell, cycle, row.membership, days, zone)
            for cell, cycle in zip(cells, shown, strict=True)
        ]
        lines.append(
            MemberLine(
                membership=row.membership,
                kinds=kinds,
                streak=row.streak,
                longest=row.longest,
                on_time=row.on_time,
                late=row.late,
                missed=row.missed,
                excused=row.excused,
            )
        )
    return CircleInsights(
        cycles=shown,
        lines=lines,
        heatmap=charts.heatmap(
            [line.kinds for line in lines],
            names=[line.membership.user.name for line in lines],
            columns=[str(cycle.index) for cycle in shown],
        ),
        goals=_goal_charts(circle, viewer, now, membership),
    )


def _goal_charts(
    circle: Circle, viewer: Any, now: datetime, membership: Membership | None
) -> list[GoalChart]:
    board = goal_selectors.goal_board_for_user(circle=circle, user=viewer, today=timezone.localdate(now))
    rows = list(board.mine) + [row for peer in board.peers for row in peer.rows]
    if membership is not None:
        rows = [row for row in rows if row.goal.membership_id == membership.pk]
    history: dict[int, list[GoalProgress]] = defaultdict(list)
    measured = [row.goal.pk for row in rows if row.goal.direction != Direction.DONE]
    for progress in (
        GoalProgress.objects.filter(goal_id__in=measured).select_related("cycle").order_by("cycle__index")
    ):
        history[progress.goal_id].append(progress)
    found = []
    for row in rows:
        goal = row.goal
        points: list[tuple[int, Decimal]] = [(p.cycle.index, p.value) for p in history[goal.pk]]
        chart = (
            goal_charts.line_chart(points=points, baseline=goal.baseline, target=goal.target)
            if goal.direction != Direction.DONE
            else None
        )
        found.append(
            GoalChart(
                row=row,
                chart=chart,
                history=[
                    {
                        "cycle": p.cycle,
                        "value": goal_charts.plain(p.value),
                        "percent": goal_charts.percent(goal.progress_ratio(p.value)),
                    }
                    for p in history[goal.pk]
                ],
            )
        )
    return found
