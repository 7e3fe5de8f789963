"""Goals and commitments in the JSON API (read). Private goals stay with their owner and organizers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from peerpact.circles.api import inner_circle
from peerpact.circles.models import SEATED, Circle
from peerpact.goals import access, selectors
from peerpact.goals.models import Commitment, Goal
from peerpact.lib.apikit import MAX_DB_INT, PageParams, caller, page_body

router = Router(tags=["goals"])


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date | None
    done_at: datetime | None


class ProgressOut(Schema):
    cycle: int
    value: Decimal
    recorded_at: datetime


class GoalOut(Schema):
    id: int
    membership_id: int
    user_id: int
    owner: str
    title: str
    why: str
    direction: str
    unit: str
    baseline: Decimal
    target: Decimal | None
    latest_value: Decimal | None
    percent: int | None
    starts_on: date
    due_on: date | None
    is_overdue: bool
    status: str
    visibility: str
    milestones_done: int
    milestones_total: int


class GoalDetailOut(GoalOut):
    milestones: list[MilestoneOut]
    progress: list[ProgressOut]


class GoalPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[GoalOut]


class GoalFilters(PageParams):
    member: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Only this membership id.")
    status: str | None = None


class CommitmentOut(Schema):
    id: int
    membership_id: int
    user_id: int
    name: str
    cycle: int
    text: str
    quantity: Decimal | None
    status: str
    note: str
    goal_id: int | None  # only when the caller may see that goal
    resolved_at: datetime | None


class CommitmentPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CommitmentOut]


class CommitmentFilters(PageParams):
    cycle: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Only this cycle number.")
    member: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Only this membership id.")
    status: str | None = None


def goal_out(row: selectors.GoalRow) -> dict[str, Any]:
    goal = row.goal
    return {
        "id": goal.pk,
        "membership_id": goal.membership_id,
        "user_id": goal.membership.user_id,
        "owner": goal.membership.user.name,
        "title": goal.title,
        "why": goal.why,
        "direction": goal.direction,
        "unit": goal.unit,
        "baseline": goal.baseline,
        "target": goal.target,
        "latest_value": row.latest_value,
        "percent": row.percent,
        "starts_on": goal.starts_on,
        "due_on": goal.due_on,
        "is_overdue": row.is_overdue,
        "status": goal.status,
        "visibility": goal.visibility,
        "milestones_done": row.milestones_done,
        "milestones_total": row.milestones_total,
    }


@router.get("/circles/{int:circle_id}/goals", response=GoalPage, url_name="goals")
def goal_list(request: HttpRequest, circle_id: int, filters: Query[GoalFilters]) -> dict[str, Any]:
    """My goals first, then the goals of peers that I may see (as on the goals page)."""
    circle = inner_circle(request, circle_id)
    board = selectors.goal_board_for_user(circle=circle, user=caller(request), today=timezone.localdate())
    rows = board.mine + [row for peer in board.peers for row in peer.rows]
    if filters.member is not None:
        rows = [r for r in rows if r.goal.membership_id == filters.member]
    if filters.status:
        rows = [r for r in rows if r.goal.status == filters.status]
    return page_body(rows, filters, goal_out)


def _goal_row(circle: Circle, goal: Goal) -> selectors.GoalRow:
    row = next((r for r in selectors.goal_list_for_circle(circle=circle).filter(pk=goal.pk)), None)
    if row is None:  # a former member's goal, seen by its owner or an organizer
        return selectors.goal_row(
            goal=goal,
            latest_value=None,
            latest_cycle=None,
            milestones_done=0,
            milestones_total=0,
            today=timezone.localdate(),
        )
    return selectors.goal_row(
        goal=goal,
        latest_value=row.latest_value,  # type: ignore[attr-defined]
        latest_cycle=row.latest_cycle,  # type: ignore[attr-defined]
        milestones_done=row.milestones_done,  # type: ignore[attr-defined]
        milestones_total=row.milestones_total,  # type: ignore[attr-defined]
        today=timezone.localdate(),
    )


@router.get("/circles/{int:circle_id}/goals/{int:goal_id}", response=GoalDetailOut, url_name="goal")
def goal_detail(request: HttpRequest, circle_id: int, goal_id: int) -> dict[str, Any]:
    circle = inner_circle(request, circle_id)
    goal = selectors.goal_get_for_user(circle=circle, user=caller(request), goal_id=goal_id)
    if goal is None:
        raise Http404
    return {
        **goal_out(_goal_row(circle, goal)),
        "milestones": [
            {"id": m.pk, "title": m.title, "due_on": m.due_on, "done_at": m.done_at}
            for m in goal.milestones.all()
        ],
        "progress": [
            {"cycle": p.cycle.index, "value": p.value, "recorded_at": p.recorded_at}
            for p in selectors.goal_progress_history(goal=goal)
        ],
    }


@router.get("/circles/{int:circle_id}/commitments", response=CommitmentPage, url_name="commitments")
def commitment_list(
    request: HttpRequest, circle_id: int, filters: Query[CommitmentFilters]
) -> dict[str, Any]:
    """Commitments of the circle's seated members, as the board shows them; newest cycle first."""
    circle = inner_circle(request, circle_id)
    user = caller(request)
    commitments = (
        Commitment.objects.filter(cycle__circle=circle, membership__status__in=SEATED)
        .select_related("cycle", "membership__user", "goal__membership")
        .order_by("-cycle__index", "membership_id", "pk")
    )
    if filters.cycle is not None:
        commitments = commitments.filter(cycle__index=filters.cycle)
    if filters.member is not None:
        commitments = commitments.filter(membership_id=filters.member)
    if filters.status:
        commitments = commitments.filter(status=filters.status)

    def render(c: Commitment) -> dict[str, Any]:
        goal = c.goal
        if goal is not None:
            goal.membership.circle = circle  # reuse the circle's cached access lookups
        return {
            "id": c.pk,
            "membership_id": c.membership_id,
            "user_id": c.membership.user_id,
            "name": c.membership.user.name,
            "cycle": c.cycle.index,
            "text": c.text,
            "quantity": c.quantity,
            "status": c.status,
            "note": c.note,
            "goal_id": goal.pk if goal is not None and access.can_view_goal(user, goal) else None,
            "resolved_at": c.resolved_at,
        }

    return page_body(commitments, filters, render)
