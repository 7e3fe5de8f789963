"""Reads about communities that depend on who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from peerpact.communities import access
from peerpact.communities.models import Community, CommunityInvitation, CommunityMembership


def community_list_for_user(*, user: Any) -> QuerySet[Community]:
    return (
        access.communities_visible_to(user)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("name")
    )


def community_get_for_user(*, user: Any, slug: str) -> Community | None:
    """The community, or None when the user is not in it (the view answers 404)."""
    return access.communities_visible_to(user).filter(slug=slug).first()


def community_member_list(*, community: Community) -> QuerySet[CommunityMembership]:
    return community.memberships.select_related("user").order_by("role", "user__display_name", "user__email")


def invitation_list_open(*, community: Community) -> QuerySet[CommunityInvitation]:
    return (
        CommunityInvitation.objects.usable(timezone.now())
        .filter(community=community)
        .select_related("circle", "created_by")
        .order_by("-created_at")
    )


def invitation_get_by_token(*, token: str) -> CommunityInvitation | None:
    return CommunityInvitation.objects.select_related("community", "circle").filter(token=token).first()


def community_transfer_candidates(*, community: Community, owner: Any) -> QuerySet[Any]:
    """Members who could take over ownership: everyone in the community but the owner."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(community_memberships__community=community)
        .exclude(pk=owner.pk)
        .order_by("display_name", "email")
    )


def community_mfa_counts(*, community: Community) -> tuple[int, int]:
    """(members without a second factor, all members): the warning next to the require-MFA switch."""
    from allauth.mfa.models import Authenticator

    members = community.memberships.all()
    with_mfa = Authenticator.objects.exclude(type=Authenticator.Type.RECOVERY_CODES).filter(
        user__community_memberships__community=community
    )
    total = members.count()
    return total - with_mfa.values("user").distinct().count(), total
