"""Communities in the JSON API: the caller's communities and one of them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from peerpact.communities import access, selectors
from peerpact.communities.models import Community
from peerpact.lib.apikit import PageParams, caller, check_community, page_body, token_community_id

router = Router(tags=["communities"])


class CommunityOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    my_role: str | None
    member_count: int
    url: str


class CommunityPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CommunityOut]


def community_out(community: Community, user: Any) -> dict[str, Any]:
    membership = access.membership_of(user, community)
    count = getattr(community, "member_count", None)
    return {
        "id": community.pk,
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "my_role": membership.role if membership else None,
        "member_count": count if count is not None else community.memberships.count(),
        "url": settings.SITE_URL + reverse("communities:detail", kwargs={"slug": community.slug}),
    }


def visible_community(request: HttpRequest, community_id: int) -> Community:
    """The community if the caller is in it (and the token may reach it); a 404 otherwise."""
    check_community(request, community_id)
    found = access.communities_visible_to(caller(request)).filter(pk=community_id).first()
    if found is None:
        raise Http404
    return found


@router.get("/communities", response=CommunityPage, url_name="communities", summary="My communities")
def community_list(request: HttpRequest, params: Query[PageParams]) -> dict[str, Any]:
    user = caller(request)
    communities = selectors.community_list_for_user(user=user)
    limit = token_community_id(request)
    if limit is not None:
        communities = communities.filter(pk=limit)
    # One query for the caller's roles, instead of one per community.
    roles = dict(user.community_memberships.values_list("community_id", "role"))
    return page_body(communities, params, lambda c: {**community_out(c, None), "my_role": roles.get(c.pk)})


@router.get("/communities/{int:community_id}", response=CommunityOut, url_name="community")
def community_detail(request: HttpRequest, community_id: int) -> dict[str, Any]:
    return community_out(visible_community(request, community_id), caller(request))
