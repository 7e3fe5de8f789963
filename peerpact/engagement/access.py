"""Who may answer and see pulses, and who sees a circle's health."""

from __future__ import annotations

from typing import Any

from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle, Membership
from peerpact.communities import access as community_access
from peerpact.communities.models import Community


def can_view_pulse(user: Any, circle: Circle) -> bool:
    """Seated members and organizers see a pulse's aggregated results (never anyone's answers)."""
    return circle_access.can_see_members(user, circle)


def can_answer_pulse(user: Any, membership: Membership | None) -> bool:
    """Only the member answers, for themselves, while seated."""
    return membership is not None and membership.user_id == getattr(user, "pk", None) and membership.is_seated


def can_view_health(user: Any, circle: Circle) -> bool:
    """The circle's facilitators and the community's organizers."""
    return circle_access.can_manage_circle(user, circle)


def can_view_community_health(user: Any, community: Community) -> bool:
    return community_access.is_community_manager(user, community)
