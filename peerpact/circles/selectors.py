"""Reads about circles that depend on who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from peerpact.circles import access
from peerpact.circles.models import PENDING, SEATED, Circle, Membership, MembershipStatus
from peerpact.communities.models import Community


def _with_counts(circles: QuerySet[Circle]) -> QuerySet[Circle]:
    """Each circle's seated count, as a subquery: evaluated for the rows a page shows, after ORDER BY and
    LIMIT, not for every circle in a GROUP BY (a join over all memberships) before paging."""
    seated = (
        Membership.objects.filter(circle=OuterRef("pk"), status__in=SEATED)
        .order_by()
        .values("circle")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return circles.annotate(seated_count=Coalesce(Subquery(seated), 0))


def circle_list_for_community(*, user: Any, community: Community) -> QuerySet[Circle]:
    return _with_counts(access.circles_visible_to(user).filter(community=community)).order_by(
        "status", "name"
    )


def circle_get_for_user(*, user: Any, community_slug: str, circle_slug: str) -> Circle | None:
    """The circle, or None when the user may not know it exists (the view answers 404)."""
    circle = (
        Circle.objects.select_related("community")
        .filter(community__slug=community_slug, slug=circle_slug)
        .first()
    )
    if circle is None or not access.can_view_circle(user, circle):
        return None
    return circle


def membership_list_for_user(*, user: Any) -> QuerySet[Membership]:
    """The user's seated and pending circle memberships, with their circles and communities."""
    return (
        Membership.objects.filter(user=user, status__in=(*SEATED, *PENDING))
        .select_related("circle", "circle__community")
        .annotate(
            seated_count=Count(
                "circle__memberships", filter=Q(circle__memberships__status__in=SEATED), distinct=True
            )
        )
        .order_by("circle__community__name", "circle__name")
    )


def circle_members(*, circle: Circle) -> dict[str, list[Membership]]:
    """Seated, pending (invited, requested, waitlisted) and former members, grouped."""
    rows = list(circle.memberships.select_related("user", "invited_by").order_by("created_at"))
    grouped: dict[str, list[Membership]] = {"seated": [], "requested": [], "waitlisted": [], "invited": []}
    for row in rows:
        if row.status in SEATED:
            grouped["seated"].append(row)
        elif row.status == MembershipStatus.REQUESTED:
            grouped["requested"].append(row)
        elif row.status == MembershipStatus.WAITLISTED:
            grouped["waitlisted"].append(row)
        elif row.status == MembershipStatus.INVITED:
            grouped["invited"].append(row)
    grouped["seated"].sort(key=lambda m: (m.role != "facilitator", m.user.name.lower()))
    grouped["waitlisted"].sort(key=lambda m: m.waited_since())
    return grouped


def community_circle_summaries(*, user: Any) -> list[Community]:
    """The user's communities, each with `visible_circle_count`: how many of its circles they may open.

    Counted in one GROUP BY, never by reading the circles (a community may hold a thousand)."""
    from peerpact.communities.access import communities_visible_to

    counts = dict(
        access.circles_visible_to(user).values_list("community_id").annotate(n=Count("id")).order_by()
    )
    communities = list(communities_visible_to(user).order_by("name"))
    for community in communities:
        community.visible_circle_count = counts.get(community.pk, 0)  # type: ignore[attr-defined]
    return communities
