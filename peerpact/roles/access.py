"""Who may see and change roles, swaps and cycle summaries."""

from __future__ import annotations

from typing import Any

from peerpact.checkins.models import Cycle
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle
from peerpact.roles.models import RoleAssignment, RoleKind, SwapRequest


def can_view_roles(user: Any, circle: Circle) -> bool:
    """Seated members and organizers see the roles, their holders and published summaries."""
    return circle_access.can_see_members(user, circle)


def can_manage_roles(user: Any, circle: Circle) -> bool:
    """Facilitators and organizers edit duties, add custom roles and switch roles off."""
    return circle_access.can_manage_circle(user, circle)


def _is_holder(user: Any, assignment: RoleAssignment) -> bool:
    return assignment.membership.user_id == getattr(user, "pk", None)


def can_request_swap(user: Any, assignment: RoleAssignment) -> bool:
    """The holder, or a facilitator or organizer on their behalf."""
    return _is_holder(user, assignment) or can_manage_roles(user, assignment.cycle.circle)


def can_answer_swap(user: Any, swap: SwapRequest) -> bool:
    """Only the member the role is offered to accepts or declines."""
    return swap.offered_to.user_id == getattr(user, "pk", None)


def can_cancel_swap(user: Any, swap: SwapRequest) -> bool:
    return swap.requested_by.user_id == getattr(user, "pk", None) or can_manage_roles(
        user, swap.assignment.cycle.circle
    )


def can_edit_summary(user: Any, cycle: Cycle) -> bool:
    """The cycle's summarizer, or a facilitator or organizer."""
    if can_manage_roles(user, cycle.circle):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return RoleAssignment.objects.filter(
        cycle=cycle,
        role__kind=RoleKind.SUMMARIZER,
        membership__user=user,
        membership__status__in=("active", "paused"),
    ).exists()
