"""The organizer dashboard, a circle's and a member's insights, and the CSV exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins.views.common import board_circle
from peerpact.checkins.views.tracker import HISTORY_STATUSES
from peerpact.circles.models import Circle, Membership
from peerpact.communities.models import Community
from peerpact.communities.views import community_for
from peerpact.insights import access, board, charts, circle_insights, exports, selectors
from peerpact.insights.forms import DashboardFilterForm
from peerpact.lib.csv import csv_response
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden


@login_required
@require_safe
def dashboard(request: AuthedRequest, slug: str) -> HttpResponse:
    """Which circles and members need the organizer this week, and how the community is doing."""
    community = community_for(request, slug)
    if not access.can_view_dashboard(request.user, community):
        return forbidden(request, _("The insights dashboard is for the community's organizers."))
    circle_choices, tags = selectors.filter_choices(community=community)
    form = DashboardFilterForm(request.GET or None, circles=circle_choices, tags=tags)
    filters = form.filters()
    found = board.board(
        community=community, filters=filters, now=timezone.now(), page=request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "community": community,
        "form": form,
        "board": found,
        "page": found.page,
        "query": query.urlencode(),
        "chart": charts.week_chart(
            [(w.starts_on, w.counts.on_time, w.counts.late, w.counts.missed) for w in found.weeks]
        ),
        "needs_circles": found.needs_circles,
        "needs_members": found.needs_members,
        "exports": exports.KINDS,
    }
    status = 400 if form.errors else 200
    if is_htmx(request):
        return render(request, "insights/partials/_dashboard.html", context, status=status)
    return render(request, "insights/dashboard.html", context, status=status)


@login_required
@require_safe
def circle_page(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """The circle's check-in heatmap, streaks and goal charts, for whoever may see its tracker."""
    found = board_circle(request, community, circle)
    now = timezone.now()
    return render(
        request,
        "insights/circle_insights.html",
        {
            "community": found.community,
            "circle": found,
            "insights": circle_insights.circle_insights(circle=found, viewer=request.user, now=now),
            "can_export": access.can_export_circle(request.user, found),
            "exports": exports.KINDS,
        },
    )


@login_required
@require_safe
def member_page(request: AuthedRequest, community: str, circle: str, membership_id: int) -> HttpResponse:
    """One member's heatmap row, streaks and goals: for themselves, facilitators and organizers."""
    found = board_circle(request, community, circle)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, circle=found, status__in=HISTORY_STATUSES
    )
    membership.circle = found
    if not access.can_view_member_insights(request.user, membership):
        return forbidden(
            request, _("A member's insights are for them, the circle's facilitators and the organizers.")
        )
    now = timezone.now()
    return render(
        request,
        "insights/member_insights.html",
        {
            "community": found.community,
            "circle": found,
            "member": membership,
            "insights": circle_insights.circle_insights(
                circle=found, viewer=request.user, now=now, membership=membership
            ),
            "is_me": membership.user_id == request.user.pk,
        },
    )


def _csv(
    request: AuthedRequest, kind: str, community: Community, circle: Circle | None
) -> StreamingHttpResponse:
    if kind not in exports.KINDS:
        raise Http404
    now = timezone.now()
    header, rows = exports.export(kind=kind, viewer=request.user, now=now, community=community, circle=circle)
    name = community.slug if circle is None else f"{community.slug}-{circle.slug}"
    return csv_response(
        filename=f"{name}-{kind}-{timezone.localdate(now).isoformat()}.csv", header=header, rows=rows
    )


@login_required
@require_safe
def community_csv(request: AuthedRequest, slug: str, kind: str) -> HttpResponse | StreamingHttpResponse:
    community = community_for(request, slug)
    if not access.can_export_community(request.user, community):
        return forbidden(request, _("Community exports are for the community's organizers."))
    return _csv(request, kind, community, None)


@login_required
@require_safe
def circle_csv(
    request: AuthedRequest, community: str, circle: str, kind: str
) -> HttpResponse | StreamingHttpResponse:
    found = board_circle(request, community, circle)
    if not access.can_export_circle(request.user, found):
        return forbidden(request, _("Circle exports are for the circle's facilitators and the organizers."))
    return _csv(request, kind, found.community, found)
