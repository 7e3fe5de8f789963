"""Who may see or change rhythms, cycles and check-ins."""

from __future__ import annotations

from typing import Any

from peerpact.checkins.models import Checkin, CheckinVisibility
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle, Membership
from peerpact.communities import access as community_access


def can_view_board(user: Any, circle: Circle) -> bool:
    return circle_access.can_see_members(user, circle)


def can_manage_rhythm(user: Any, circle: Circle) -> bool:
    return circle_access.can_manage_circle(user, circle)


def can_check_in(user: Any, membership: Membership) -> bool:
    """Only the member checks in for themselves, while seated in the circle."""
    return membership.user_id == getattr(user, "pk", None) and membership.is_seated


def can_view_checkin(user: Any, checkin: Checkin) -> bool:
    membership = checkin.membership
    if membership.user_id == getattr(user, "pk", None):
        return True
    if not checkin.is_visible:
        # Hidden or removed by a moderator: only the author and the community's organizers see it.
        return community_access.is_community_manager(user, membership.circle.community)
    if circle_access.can_manage_circle(user, membership.circle):
        return True
    return checkin.visibility == CheckinVisibility.CIRCLE and circle_access.can_see_members(
        user, membership.circle
    )


def can_see_pause_reasons(user: Any, circle: Circle) -> bool:
    return circle_access.can_manage_circle(user, circle)


def can_pause(user: Any, membership: Membership) -> bool:
    """A member pauses themselves; facilitators and organizers may pause anyone in the circle."""
    if membership.user_id == getattr(user, "pk", None):
        return True
    return circle_access.can_manage_circle(user, membership.circle)
