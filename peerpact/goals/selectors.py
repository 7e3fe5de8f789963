"""Reads of goals that join other rows or depend on who is asking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from peerpact.circles.models import SEATED, Circle, Membership
from peerpact.goals import access, charts
from peerpact.goals.models import Direction, Goal, GoalProgress, GoalStatus

# Active goals first, finished ones last.
STATUS_ORDER: dict[str, int] = {
    GoalStatus.ACTIVE: 0,
    GoalStatus.PAUSED: 1,
    GoalStatus.ACHIEVED: 2,
    GoalStatus.ABANDONED: 3,
}


@dataclass(frozen=True)
class GoalRow:
    """A goal with what a list shows about it: latest value, progress and milestones."""

    goal: Goal
    latest_value: Decimal | None
    latest_cycle: int | None
    percent: int | None  # toward the target; None when there is nothing to measure yet
    milestones_done: int
    milestones_total: int
    is_overdue: bool

    @property
    def is_measured(self) -> bool:
        return self.goal.direction != Direction.DONE

    # Values to print: 21.1 km rather than 21.10 km.
    @property
    def baseline(self) -> Decimal:
        return charts.plain(self.goal.baseline)

    @property
    def target(self) -> Decimal | None:
        return None if self.goal.target is None else charts.plain(self.goal.target)

    @property
    def latest(self) -> Decimal | None:
        return None if self.latest_value is None else charts.plain(self.latest_value)


@dataclass
class PeerGoals:
    membership: Membership
    rows: list[GoalRow] = field(default_factory=list)


@dataclass(frozen=True)
class GoalBoard:
    mine: list[GoalRow]
    peers: list[PeerGoals]

    @property
    def is_empty(self) -> bool:
        return not self.mine and not self.peers


def _sort_key(row: GoalRow) -> tuple[int, bool, date, int]:
    goal = row.goal
    return (STATUS_ORDER.get(goal.status, 9), goal.due_on is None, goal.due_on or date.max, goal.pk)


def goal_row(
    *,
    goal: Goal,
    latest_value: Decimal | None,
    latest_cycle: int | None,
    milestones_done: int,
    milestones_total: int,
    today: date,
) -> GoalRow:
    return GoalRow(
        goal=goal,
        latest_value=latest_value,
        latest_cycle=latest_cycle,
        percent=charts.percent(goal.progress_ratio(latest_value))
        if goal.direction != Direction.DONE
        else None,
        milestones_done=milestones_done,
        milestones_total=milestones_total,
        is_overdue=goal.is_overdue(today),
    )


def goal_list_for_circle(*, circle: Circle) -> QuerySet[Goal]:
    """Goals of the circle's seated members, with latest progress and milestone counts in one query."""
    latest = GoalProgress.objects.filter(goal=OuterRef("pk")).order_by("-cycle__index")
    return (
        Goal.objects.filter(membership__circle=circle, membership__status__in=SEATED)
        .select_related("membership__user")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_cycle=Subquery(latest.values("cycle__index")[:1]),
            milestones_total=Count("milestones"),
            milestones_done=Count("milestones", filter=Q(milestones__done_at__isnull=False)),
        )
    )


def goal_board_for_user(*, circle: Circle, user: Any, today: date) -> GoalBoard:
    """The user's own goals, then each peer's goals the user may see, peers in name order."""
    mine: list[GoalRow] = []
    peers: dict[int, PeerGoals] = {}
    for goal in goal_list_for_circle(circle=circle):
        # Share the one circle object, so access checks reuse its per-request membership caches
        # instead of asking the database once per goal.
        goal.membership.circle = circle
        if not access.can_view_goal(user, goal):
            continue
        row = goal_row(
            goal=goal,
            latest_value=goal.latest_value,  # type: ignore[attr-defined]
            latest_cycle=goal.latest_cycle,  # type: ignore[attr-defined]
            milestones_done=goal.milestones_done,  # type: ignore[attr-defined]
            milestones_total=goal.milestones_total,  # type: ignore[attr-defined]
            today=today,
        )
        if goal.membership.user_id == getattr(user, "pk", None):
            mine.append(row)
        else:
            peers.setdefault(goal.membership_id, PeerGoals(membership=goal.membership)).rows.append(row)
    for group in peers.values():
        group.rows.sort(key=_sort_key)
    return GoalBoard(
        mine=sorted(mine, key=_sort_key),
        peers=sorted(peers.values(), key=lambda g: (g.membership.user.name.casefold(), g.membership.pk)),
    )


def goal_get_for_user(*, circle: Circle, user: Any, goal_id: int) -> Goal | None:
    """The goal if it belongs to this circle and the user may see it; None otherwise (a 404)."""
    goal = (
        Goal.objects.select_related("membership__user").filter(pk=goal_id, membership__circle=circle).first()
    )
    if goal is None:
        return None
    goal.membership.circle = circle
    return goal if access.can_view_goal(user, goal) else None


def goal_progress_history(*, goal: Goal) -> list[GoalProgress]:
    """The goal's recorded values, one per cycle, oldest first."""
    return list(goal.progress.select_related("cycle").order_by("cycle__index"))
