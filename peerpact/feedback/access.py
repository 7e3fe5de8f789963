"""Who may read and write comments, feedback, kudos and help offers.

Reading follows the check-in: whoever may read a check-in reads its thread. Writing is for seated members
of the circle (the facilitator included); organizers who hold no seat read and moderate but do not take
part. A blocked pair cannot reach each other at all.
"""

from __future__ import annotations

from typing import Any

from peerpact.checkins import access as checkin_access
from peerpact.checkins.models import Checkin
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle
from peerpact.communities import access as community_access
from peerpact.safety.selectors import blocks_between


def can_view_thread(user: Any, checkin: Checkin) -> bool:
    return checkin.is_submitted and checkin_access.can_view_checkin(user, checkin)


def is_peer(user: Any, circle: Circle) -> bool:
    """Seated in the circle: may comment, give feedback and kudos, offer help."""
    membership = circle_access.membership_in(user, circle)
    return membership is not None and membership.is_seated


def sees_anonymous_authors(user: Any, circle: Circle) -> bool:
    """Only the community's organizers (for moderation). Facilitators are peers here."""
    return community_access.is_community_manager(user, circle.community)


def is_owner(user: Any, checkin: Checkin) -> bool:
    return checkin.membership.user_id == getattr(user, "pk", None)


def can_reach(user: Any, owner: Any) -> bool:
    """No block either way between the two people."""
    return not blocks_between(user, owner)


def can_comment(user: Any, checkin: Checkin) -> bool:
    return (
        can_view_thread(user, checkin)
        and is_peer(user, checkin.membership.circle)
        and can_reach(user, checkin.membership.user)
    )


def can_give_feedback(user: Any, checkin: Checkin) -> bool:
    return can_comment(user, checkin) and not is_owner(user, checkin)


def can_offer_help(user: Any, checkin: Checkin) -> bool:
    return can_give_feedback(user, checkin) and bool(checkin.help_request)


def can_resolve_help(user: Any, checkin: Checkin) -> bool:
    return is_owner(user, checkin) and bool(checkin.help_request)


def can_see_all_help_requests(user: Any, circle: Circle) -> bool:
    """The facilitator and organizers see every open request, also those shared with them only."""
    return circle_access.can_manage_circle(user, circle)
