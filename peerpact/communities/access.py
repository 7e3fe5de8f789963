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


# --- Two-factor authentication required by a community (Community.require_mfa) ------------------------


def has_mfa(user: Any) -> bool:
    """Whether the person signs in with a second factor (an authenticator app; recovery codes alone are
    only the spare key)."""
    from allauth.mfa.models import Authenticator

    if not getattr(user, "is_authenticated", False):
        return False
    return Authenticator.objects.filter(user=user).exclude(type=Authenticator.Type.RECOVERY_CODES).exists()


def mfa_missing(user: Any, *, slug: str | None = None, community_id: int | None = None) -> bool:
    """True when the user is a member of a community that requires MFA and has none set up: they are sent
    to set it up before anything of that community. Outsiders get False (they get the usual 404)."""
    if not getattr(user, "is_authenticated", False):
        return False
    memberships = CommunityMembership.objects.filter(user=user, community__require_mfa=True)
    if slug is not None:
        memberships = memberships.filter(community__slug=slug)
    if community_id is not None:
        memberships = memberships.filter(community_id=community_id)
    return memberships.exists() and not has_mfa(user)
