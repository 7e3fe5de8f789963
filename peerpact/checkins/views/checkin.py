"""The check-in screen: one form, fast on a phone, drafts saved as you type, stale tabs refused."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins import access, selectors, services
from peerpact.checkins.forms.checkin import CheckinForm
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.views.common import board_circle
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle, Membership
from peerpact.lib.forms import add_service_errors
from peerpact.lib.views import forbidden


def _my_membership(request: AuthedRequest, circle: Circle) -> Membership:
    membership = circle_access.membership_in(request.user, circle)
    if membership is None or not access.can_check_in(request.user, membership):
        raise PermissionDenied(_("Only members of this circle check in here."))
    return membership


def _cycle(circle: Circle, membership: Membership, index: int | None) -> Cycle:
    now = timezone.now()
    if index is None:
        cycle = selectors.cycle_to_check_in(membership=membership, now=now)
    else:
        cycle = selectors.cycle_by_index(circle=circle, index=index)
        if cycle is not None and cycle.opens_at > now:
            cycle = None
    if cycle is None:
        raise Http404
    return cycle


def _initial(checkin: Checkin | None, context: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Form values from the saved check-in, then any newer draft on top. Returns (initial, restored)."""
    initial: dict[str, Any] = {"visibility": "circle", "version": 0}
    for goal_id, progress in context["latest_progress"].items():
        initial[f"g{goal_id}"] = progress.value
    if checkin is None:
        return initial, False
    if checkin.is_submitted:
        initial.update(
            wins=checkin.wins,
            blockers=checkin.blockers,
            help_request=checkin.help_request,
            confidence=checkin.confidence,
            visibility=checkin.visibility,
        )
    initial["version"] = checkin.version
    restored = bool(checkin.draft) and (
        not checkin.is_submitted
        or bool(checkin.draft_saved_at and checkin.draft_saved_at > checkin.updated_at)
    )
    if restored:
        initial.update(checkin.draft)
        initial["version"] = checkin.version
    return initial, restored


@login_required
def checkin_edit(
    request: AuthedRequest, community: str, circle: str, index: int | None = None
) -> HttpResponse:
    found = board_circle(request, community, circle)
    try:
        membership = _my_membership(request, found)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    cycle = _cycle(found, membership, index)
    now = timezone.now()
    context = selectors.checkin_context(membership=membership, cycle=cycle)
    checkin = Checkin.objects.filter(membership=membership, cycle=cycle).first()
    status = 200
    stale: Checkin | None = None
    if request.method == "POST":
        form = CheckinForm(request.POST, due=context["due"], goals=context["goals"])
        if form.is_valid():
            try:
                saved = services.checkin_submit(
                    membership=membership,
                    cycle=cycle,
                    actor=request.user,
                    answers=form.answers(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except services.StaleEdit as exc:
                stale = exc.current
                status = 409
                # Keep everything typed; the next save knowingly replaces the version shown beside it.
                data = request.POST.copy()
                data["version"] = str(stale.version)
                form = CheckinForm(data, due=context["due"], goals=context["goals"])
                form.is_valid()
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(
                    request,
                    _("Check-in saved. Thank you!")
                    if saved.submitted_at and saved.submitted_at <= cycle.deadline_at
                    else _("Check-in saved (late, and still counted). Thank you!"),
                )
                return redirect(
                    reverse("checkins:board", kwargs={"community": community, "circle": circle})
                    + f"?cycle={cycle.index}"
                )
        else:
            status = 400
        restored = False
    else:
        initial, restored = _initial(checkin, context)
        form = CheckinForm(initial=initial, due=context["due"], goals=context["goals"])
    return render(
        request,
        "checkins/checkin_form.html",
        {
            **context,
            "community": found.community,
            "circle": found,
            "cycle": cycle,
            "membership": membership,
            "form": form,
            "checkin": checkin,
            "stale": stale,
            "restored": restored,
            "is_open": cycle.is_open(now),
            "now": now,
            "state": selectors.grid(circle=found, cycles=[cycle], now=now, memberships=[membership])
            .rows[0]
            .cells[0]
            .state,
        },
        status=status,
    )


@login_required
@require_POST
def checkin_draft(request: AuthedRequest, community: str, circle: str, index: int) -> HttpResponse:
    """htmx: keep what has been typed so far. Answers a small status line."""
    found = board_circle(request, community, circle)
    try:
        membership = _my_membership(request, found)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    cycle = _cycle(found, membership, index)
    try:
        checkin = services.checkin_save_draft(
            membership=membership, cycle=cycle, actor=request.user, data=request.POST.dict()
        )
    except ValidationError as exc:
        return render(
            request, "checkins/partials/_draft_status.html", {"error": " ".join(exc.messages)}, status=400
        )
    return render(request, "checkins/partials/_draft_status.html", {"saved_at": checkin.draft_saved_at})


@login_required
def checkin_detail(request: AuthedRequest, community: str, circle: str, checkin_id: int) -> HttpResponse:
    found = board_circle(request, community, circle)
    checkin = get_object_or_404(
        Checkin.objects.select_related("membership__user", "cycle"),
        pk=checkin_id,
        membership__circle=found,
        submitted_at__isnull=False,
    )
    if not access.can_view_checkin(request.user, checkin):
        raise Http404
    context = selectors.checkin_context(membership=checkin.membership, cycle=checkin.cycle)
    return render(
        request,
        "checkins/checkin_detail.html",
        {
            **context,
            "community": found.community,
            "circle": found,
            "checkin": checkin,
            "cycle": checkin.cycle,
        },
    )
