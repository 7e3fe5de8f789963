"""Who sees the dashboard, a circle's or a member's insights, and who exports CSVs. Built on the rules
of circles, checkins and communities: nothing new is decided here."""

from __future__ import annotations

from typing import Any

from peerpact.checkins import access as checkin_access
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle, Membership
from peerpact.communities import access as community_access
from peerpact.communities.models import Community


def can_view_dashboard(user: Any, community: Community) -> bool:
    """The community's owners and organizers."""
    return community_access.is_community_manager(user, community)


def can_view_circle_insights(user: Any, circle: Circle) -> bool:
    """Whoever may see the circle's tracker: its seated members and the community's organizers."""
    return checkin_access.can_view_board(user, circle)


def can_view_member_insights(user: Any, membership: Membership) -> bool:
    """The member themselves; the circle's facilitators and the community's organizers."""
    if membership.user_id == getattr(user, "pk", None):
        return True
    return circle_access.can_manage_circle(user, membership.circle)


def can_export_circle(user: Any, circle: Circle) -> bool:
    """The circle's facilitators and the community's organizers."""
    return circle_access.can_manage_circle(user, circle)


def can_export_community(user: Any, community: Community) -> bool:
    return community_access.is_community_manager(user, community)
