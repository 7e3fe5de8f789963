"""Circles and their members in the JSON API. A circle the caller may not see is a 404, as on the site."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from peerpact.circles import access, selectors
from peerpact.circles.models import Circle, Membership
from peerpact.communities.api import visible_community
from peerpact.lib.apikit import PageParams, caller, check_community, page_body

router = Router(tags=["circles"])


class MyMembershipOut(Schema):
    id: int
    role: str
    status: str


class CircleOut(Schema):
    id: int
    community_id: int
    slug: str
    name: str
    purpose: str
    description: str
    status: str
    visibility: str
    join_policy: str
    size_cap: int
    timezone: str
    seated_count: int
    my_membership: MyMembershipOut | None
    url: str


class CirclePage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CircleOut]


class CircleFilters(PageParams):
    status: str | None = None
    purpose: str | None = None


class MemberOut(Schema):
    id: int  # the membership's id (tracker rows and check-ins name it)
    user_id: int
    name: str
    pronouns: str
    role: str
    status: str
    joined_at: datetime | None
    email: str | None  # only for the circle's facilitators and organizers


class MemberPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[MemberOut]


class MemberFilters(PageParams):
    status: str | None = None


def circle_url(circle: Circle) -> str:
    kwargs = {"community": circle.community.slug, "circle": circle.slug}
    return settings.SITE_URL + reverse("circles:detail", kwargs=kwargs)


def circle_out(circle: Circle, mine: Membership | None) -> dict[str, Any]:
    seated = getattr(circle, "seated_count", None)
    return {
        "id": circle.pk,
        "community_id": circle.community_id,
        "slug": circle.slug,
        "name": circle.name,
        "purpose": circle.purpose,
        "description": circle.description,
        "status": circle.status,
        "visibility": circle.visibility,
        "join_policy": circle.join_policy,
        "size_cap": circle.size_cap,
        "timezone": circle.timezone,
        "seated_count": seated if seated is not None else circle.memberships.seated().count(),
        "my_membership": {"id": mine.pk, "role": mine.role, "status": mine.status} if mine else None,
        "url": circle_url(circle),
    }


def visible_circle(request: HttpRequest, circle_id: int) -> Circle:
    """The circle if the caller may know it exists (circles.access.can_view_circle); a 404 otherwise."""
    found = Circle.objects.select_related("community").filter(pk=circle_id).first()
    if found is None:
        raise Http404
    check_community(request, found.community_id)
    if not access.can_view_circle(caller(request), found):
        raise Http404
    return found


def inner_circle(request: HttpRequest, circle_id: int) -> Circle:
    """The circle if the caller may see inside it (members and managers); a 404 for everyone else."""
    found = visible_circle(request, circle_id)
    if not access.can_see_members(caller(request), found):
        raise Http404
    return found


@router.get(
    "/communities/{int:community_id}/circles",
    response=CirclePage,
    url_name="community-circles",
    summary="Circles of a community that I may see",
)
def circle_list(request: HttpRequest, community_id: int, filters: Query[CircleFilters]) -> dict[str, Any]:
    user = caller(request)
    community = visible_community(request, community_id)
    circles = selectors.circle_list_for_community(user=user, community=community).select_related("community")
    if filters.status:
        circles = circles.filter(status=filters.status)
    if filters.purpose:
        circles = circles.filter(purpose=filters.purpose)
    mine = {m.circle_id: m for m in Membership.objects.filter(user=user, circle__community=community)}
    return page_body(circles, filters, lambda c: circle_out(c, mine.get(c.pk)))


@router.get("/circles/{int:circle_id}", response=CircleOut, url_name="circle", summary="One circle")
def circle_detail(request: HttpRequest, circle_id: int) -> dict[str, Any]:
    circle = visible_circle(request, circle_id)
    return circle_out(circle, access.membership_in(caller(request), circle))


@router.get(
    "/circles/{int:circle_id}/memberships",
    response=MemberPage,
    url_name="memberships",
    summary="Who is in the circle (pending requests and invitations: facilitators and organizers only)",
)
def membership_list(request: HttpRequest, circle_id: int, filters: Query[MemberFilters]) -> dict[str, Any]:
    user = caller(request)
    circle = inner_circle(request, circle_id)
    manages = access.can_manage_circle(user, circle)
    grouped = selectors.circle_members(circle=circle)
    rows = grouped["seated"] + (
        grouped["requested"] + grouped["waitlisted"] + grouped["invited"] if manages else []
    )
    if filters.status:
        rows = [m for m in rows if m.status == filters.status]

    def render(m: Membership) -> dict[str, Any]:
        return {
            "id": m.pk,
            "user_id": m.user_id,
            "name": m.user.name,
            "pronouns": m.user.pronouns,
            "role": m.role,
            "status": m.status,
            "joined_at": m.joined_at,
            "email": m.user.email if manages else None,
        }

    return page_body(rows, filters, render)
