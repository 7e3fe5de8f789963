"""Who may see or change goals and commitments."""

from __future__ import annotations

from typing import Any

from peerpact.circles import access as circle_access
from peerpact.circles.models import Membership
from peerpact.communities import access as community_access
from peerpact.goals.models import Goal, GoalVisibility


def can_view_goal(user: Any, goal: Goal) -> bool:
    """The owner always; circle peers when it is shared; organizers for support and moderation."""
    membership = goal.membership
    if membership.user_id == getattr(user, "pk", None):
        return True
    if community_access.is_community_manager(user, membership.circle.community):
        return True
    # Peers see shared goals of people still in the circle; a former member's goals leave with them.
    return (
        goal.visibility == GoalVisibility.CIRCLE
        and membership.is_seated
        and circle_access.can_see_members(user, membership.circle)
    )


def can_edit_goals_of(user: Any, membership: Membership) -> bool:
    """Only the member sets their own goals and commitments."""
    return membership.user_id == getattr(user, "pk", None) and membership.is_seated
