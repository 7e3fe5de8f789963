"""The pulse (answer it, see its aggregated results), circle health and the community overview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins.views.common import board_circle
from peerpact.circles import access as circle_access
from peerpact.communities.views import community_for
from peerpact.engagement import access, health, selectors, services
from peerpact.engagement.forms import PulseForm
from peerpact.engagement.models import Pulse
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden


@login_required
def pulse(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    """The open pulse's form for members, and the latest results (aggregated only) for everyone inside."""
    found = board_circle(request, community, circle)
    now = timezone.now()
    membership = circle_access.membership_in(request.user, found)
    may_answer = access.can_answer_pulse(request.user, membership)
    current = selectors.pulse_open_for(circle=found, now=now) or selectors.pulse_latest(circle=found, now=now)
    is_open = current is not None and current.is_open(now)
    mine = selectors.pulse_answer_of(pulse=current, membership=membership) if current and may_answer else None
    status = 200
    form = None
    if request.method == "POST":
        if not may_answer:
            return forbidden(
                request, _("Only members of this circle answer its pulse; organizers see the results.")
            )
        if current is None or not is_open:
            return forbidden(request, _("No pulse is open in this circle right now."))
        form = PulseForm(request.POST)
        if form.is_valid():
            try:
                services.pulse_answer(
                    pulse=current,
                    membership=membership,  # type: ignore[arg-type]  # may_answer: not None
                    actor=request.user,
                    scores=form.scores(),
                    open_answer=form.cleaned_data["open_answer"],
                    now=now,
                )
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    return forbidden(request, exc)
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Thank you. Your answers are in; you can change them until %(when)s.")
                    % {"when": date_format(timezone.localtime(current.closes_at), "DATETIME_FORMAT")},
                )
                return redirect("engagement:pulse", community=found.community.slug, circle=found.slug)
        status = 400
    elif is_open and may_answer:
        initial = {}
        if mine is not None:
            initial = {"safe": mine.safe, "checkins": mine.checkins, "feedback": mine.feedback}
            initial.update(rhythm=mine.rhythm, open_answer=mine.open_answer)
        form = PulseForm(initial=initial)
    results = selectors.pulse_results(pulse=current) if current else None
    context = {
        "community": found.community,
        "circle": found,
        "pulse": current,
        "is_open": is_open,
        "form": form if is_open and may_answer else None,
        "answered": mine is not None,
        "results": results,
        "can_view_health": access.can_view_health(request.user, found),
    }
    if is_htmx(request) and request.method == "GET":
        return render(request, "engagement/partials/_pulse_results.html", context)
    return render(request, "engagement/pulse.html", context, status=status)


@login_required
@require_safe
def pulse_detail(request: AuthedRequest, community: str, circle: str, pulse_id: int) -> HttpResponse:
    """A past pulse's aggregated results."""
    found = board_circle(request, community, circle)
    chosen = get_object_or_404(Pulse.objects.select_related("cycle"), pk=pulse_id, circle=found)
    now = timezone.now()
    context = {
        "community": found.community,
        "circle": found,
        "pulse": chosen,
        "is_open": chosen.is_open(now),
        "results": selectors.pulse_results(pulse=chosen),
        "history": list(Pulse.objects.filter(circle=found, opens_at__lte=now).select_related("cycle")),
    }
    return render(request, "engagement/pulse_detail.html", context)


@login_required
@require_safe
def circle_health(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = board_circle(request, community, circle)
    if not access.can_view_health(request.user, found):
        return forbidden(
            request, _("Circle health is for the circle's facilitators and the community's organizers.")
        )
    now = timezone.now()
    return render(
        request,
        "engagement/health.html",
        {
            "community": found.community,
            "circle": found,
            "health": health.circle_health(circle=found, now=now),
            "pulses": list(Pulse.objects.filter(circle=found, opens_at__lte=now).select_related("cycle")[:6]),
        },
    )


@login_required
@require_safe
def community_health(request: AuthedRequest, slug: str) -> HttpResponse:
    """Every circle's health at a glance, for the community's organizers."""
    found = community_for(request, slug)
    if not access.can_view_community_health(request.user, found):
        return forbidden(request, _("The health overview is for the community's organizers."))
    return render(
        request,
        "engagement/community_health.html",
        {"community": found, "circles": health.community_health(community=found, now=timezone.now())},
    )
