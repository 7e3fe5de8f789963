"""Who may see or change what in a circle. Views, API and selectors all ask here.

Rule of thumb: a circle outside your communities, or a private circle you have no
business with, does not exist for you (404). An action you may not take inside a
circle you can see is refused with a reason (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from peerpact.circles.models import (
    PENDING,
    SEATED,
    Circle,
    JoinPolicy,
    Membership,
    MembershipStatus,
    Visibility,
)
from peerpact.communities import access as community_access
from peerpact.communities.models import CommunityMembership, CommunityRole

# Who sees a private circle through their own membership: people in it or on their way in.
# Former members (left, declined, removed) see it only if it is listed in the community.
VISIBLE_TO_SELF = (*SEATED, *PENDING)


def membership_in(user: Any, circle: Circle) -> Membership | None:
    """The user's membership row in the circle, whatever its status (cached per object)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, Membership | None] = circle.__dict__.setdefault("_membership_cache", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(circle=circle, user=user).first()
    return cache[user.pk]


def circles_visible_to(user: Any) -> QuerySet[Circle]:
    """Every circle the user may open: their own, pending ones, listed ones, and all for managers.

    Three id subqueries, no joins: joining community and circle memberships in one OR multiplies rows
    (circles by community members by circle members) before DISTINCT, which took minutes at 1,000 circles.
    """
    if not getattr(user, "is_authenticated", False):
        return Circle.objects.none()
    in_communities = CommunityMembership.objects.filter(user=user)
    managers = [CommunityRole.OWNER, CommunityRole.ORGANIZER]
    managed = Q(community_id__in=in_communities.filter(role__in=managers).values("community_id"))
    listed = Q(visibility=Visibility.LISTED, community_id__in=in_communities.values("community_id"))
    mine = Q(pk__in=Membership.objects.filter(user=user, status__in=VISIBLE_TO_SELF).values("circle_id"))
    return Circle.objects.filter(managed | listed | mine)


def can_view_circle(user: Any, circle: Circle) -> bool:
    """May see that the circle exists: its name, purpose and charter."""
    if not community_access.can_view_community(user, circle.community):
        return False
    if community_access.is_community_manager(user, circle.community):
        return True
    membership = membership_in(user, circle)
    if membership is not None and membership.status in VISIBLE_TO_SELF:
        return True
    return circle.visibility == Visibility.LISTED


def can_see_members(user: Any, circle: Circle) -> bool:
    """May see who is in the circle and what happens inside it."""
    if community_access.is_community_manager(user, circle.community):
        return True
    membership = membership_in(user, circle)
    return membership is not None and membership.is_seated


def can_manage_circle(user: Any, circle: Circle) -> bool:
    """Facilitators and community organizers edit the circle and decide on members."""
    if community_access.is_community_manager(user, circle.community):
        return True
    membership = membership_in(user, circle)
    return membership is not None and membership.is_facilitator


def can_join(user: Any, circle: Circle) -> bool:
    """May ask to join (open or request policy) as a community member not yet in it."""
    if circle.is_archived or not community_access.can_view_community(user, circle.community):
        return False
    if not can_view_circle(user, circle):
        return False
    membership = membership_in(user, circle)
    if membership is not None and (membership.is_seated or membership.status in PENDING):
        return False
    return circle.join_policy in (JoinPolicy.OPEN, JoinPolicy.REQUEST)


def can_accept_invitation(user: Any, circle: Circle) -> bool:
    membership = membership_in(user, circle)
    return membership is not None and membership.status == MembershipStatus.INVITED
