"""Who may see or change what in a community. Views, API and selectors all ask here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from peerpact.communities.models import Community, CommunityMembership, CommunityRole


def membership_of(user: Any, community: Community) -> CommunityMembership | None:
    """The user's membership in the community (cached on the community object per request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, CommunityMembership | None] = community.__dict__.setdefault("_membership_cache", {})
    if user.pk not in cache:
        cache[user.pk] = CommunityMembership.objects.filter(community=community, user=user).first()
    return cache[user.pk]


def communities_visible_to(user: Any) -> QuerySet[Community]:
    if not getattr(user, "is_authenticated", False):
        return Community.objects.none()
    return Community.objects.filter(memberships__user=user)


def can_view_community(user: Any, community: Community) -> bool:
    return membership_of(user, community) is not None


def is_community_manager(user: Any, community: Community) -> bool:
    """Owners and organizers manage the community and every circle in it."""
    membership = membership_of(user, community)
    return membership is not None and membership.is_manager


def is_community_owner(user: Any, community: Community) -> bool:
    membership = membership_of(user, community)
    return membership is not None and membership.role == CommunityRole.OWNER


def can_manage_community(user: Any, community: Community) -> bool:
    return is_community_manager(user, community)


def can_create_circle(user: Any, community: Community) -> bool:
    membership = membership_of(user, community)
    if membership is None:
        return False
    return membership.is_manager or community.members_can_create_circles


def can_change_member(user: Any, target: CommunityMembership) -> bool:
    """Organizers manage members; only the owner manages organizers; nobody removes the owner."""
    if target.role == CommunityRole.OWNER:
        return False
    if target.role == CommunityRole.ORGANIZER:
        return is_community_owner(user, target.community)
    return is_community_manager(user, target.community)
