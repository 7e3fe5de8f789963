"""Who may report, moderate, and see or act on concerns. Views, services and selectors ask here.

- Reporting: anyone who can see a piece of content, except its author.
- Moderation (queue, actions, audit trail): the community's owners and organizers.
- Concerns: the person who raised it, and whoever it is addressed to: the circle's seated facilitators,
  or the community's organizers. Organizers also see concerns addressed to facilitators, so that they
  can step in when something escalates; those are marked as such on their pages.
"""

from __future__ import annotations

from typing import Any

from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle
from peerpact.communities import access as community_access
from peerpact.communities.models import Community
from peerpact.safety.models import Concern, ConcernAddressee, ConcernState
from peerpact.safety.registry import ContentKind


def can_view_content(user: Any, kind: ContentKind, obj: Any) -> bool:
    """May see this piece of content where it is shown (the kind's own rule, or the circle's)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if kind.can_view is not None:
        return kind.can_view(user, obj)
    circle = kind.circle_of(obj)
    author = kind.author_of(obj)
    if author is not None and author.pk == user.pk:
        return True
    if community_access.is_community_manager(user, circle.community):
        return True
    return bool(obj.is_visible) and circle_access.can_see_members(user, circle)


def can_report(user: Any, kind: ContentKind, obj: Any) -> bool:
    author = kind.author_of(obj)
    return can_view_content(user, kind, obj) and (author is None or author.pk != user.pk)


def can_moderate(user: Any, community: Community) -> bool:
    return community_access.is_community_manager(user, community)


def can_raise_concern(user: Any, circle: Circle) -> bool:
    """Seated members (active or paused) raise concerns about their circle."""
    membership = circle_access.membership_in(user, circle)
    return membership is not None and membership.is_seated


def is_addressee(user: Any, concern: Concern) -> bool:
    """The concern is addressed to this person: a facilitator of the circle, or an organizer."""
    if not getattr(user, "is_authenticated", False) or user.pk == concern.raised_by_id:
        return False
    if concern.addressed_to == ConcernAddressee.ORGANIZER:
        return community_access.is_community_manager(user, concern.circle.community)
    membership = circle_access.membership_in(user, concern.circle)
    return membership is not None and membership.is_facilitator


def sees_as_escalation(user: Any, concern: Concern) -> bool:
    """An organizer reading a concern that was addressed to the facilitators."""
    return (
        concern.addressed_to == ConcernAddressee.FACILITATOR
        and not is_addressee(user, concern)
        and user.pk != concern.raised_by_id
        and community_access.is_community_manager(user, concern.circle.community)
    )


def can_view_concern(user: Any, concern: Concern) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk == concern.raised_by_id or is_addressee(user, concern) or sees_as_escalation(user, concern)


def can_handle_concern(user: Any, concern: Concern) -> bool:
    """Acknowledge and resolve: the addressees, and organizers stepping in on an escalation."""
    return is_addressee(user, concern) or sees_as_escalation(user, concern)


def can_reply_to_concern(user: Any, concern: Concern) -> bool:
    return concern.state != ConcernState.RESOLVED and can_view_concern(user, concern)
