"""Role pages inside a circle: who holds what, swaps, managing roles, and the cycle summary."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Cycle
from peerpact.checkins.views.common import board_circle
from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle
from peerpact.lib.forms import add_service_errors
from peerpact.lib.htmx import is_htmx
from peerpact.lib.markdown import render_markdown
from peerpact.lib.views import forbidden
from peerpact.roles import access, selectors, services, summaries
from peerpact.roles.forms import RoleAddForm, RoleForm, SummaryForm, SwapDecisionForm, SwapRequestForm
from peerpact.roles.models import CircleRole, CycleSummary


def _roles_circle(request: AuthedRequest, community: str, circle: str) -> Circle:
    """The circle if the user may see inside it (members and organizers); 404 otherwise."""
    found = board_circle(request, community, circle)
    if not access.can_view_roles(request.user, found):
        raise Http404
    return found


def _to_roles(circle: Circle) -> HttpResponse:
    return redirect("roles:index", community=circle.community.slug, circle=circle.slug)


def _live_context(request: AuthedRequest, circle: Circle, overview: selectors.Overview) -> dict[str, Any]:
    """What the current-holders region (swapped by htmx) needs."""
    pending = {s.assignment_id for s in overview.swaps if s.is_pending}
    swap_forms = {}
    for line in overview.lines:
        assignment = line.current
        if (
            assignment is not None
            and assignment.pk not in pending
            and access.can_request_swap(request.user, assignment)
        ):
            swap_forms[assignment.pk] = SwapRequestForm(
                assignment=assignment, auto_id=f"swap-{assignment.pk}-%s"
            )
    for line in overview.lines:
        line.swap_form = swap_forms.get(line.current.pk) if line.current else None
    return {
        "community": circle.community,
        "circle": circle,
        "overview": overview,
        "viewer_id": request.user.pk,
        "can_manage": access.can_manage_roles(request.user, circle),
    }


def _index_context(request: AuthedRequest, circle: Circle, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    overview = selectors.roles_overview(circle=circle, now=now)
    cycles = [c for c, _held in overview.history]
    published = {
        s.cycle_id: s for s in CycleSummary.objects.filter(cycle__in=cycles).only("cycle_id", "published_at")
    }
    context = _live_context(request, circle, overview)
    context.update(
        {
            "summaries": published,
            "editable": {c.pk for c in cycles if access.can_edit_summary(request.user, c)},
            "membership": circle_access.membership_in(request.user, circle),
            "add_form": RoleAddForm(prefix="new"),
            **extra,
        }
    )
    return context


@login_required
def roles_index(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = _roles_circle(request, community, circle)
    now = timezone.now()
    services.roles_ensure(circle=found)
    current = checkin_selectors.cycle_current(circle=found, now=now)
    if current is not None:
        services.roles_assign(cycle=current, now=now)  # right even when no worker runs
    return render(request, "roles/roles_index.html", _index_context(request, found))


def _live_response(request: AuthedRequest, circle: Circle, error: str = "") -> HttpResponse:
    overview = selectors.roles_overview(circle=circle, now=timezone.now())
    context = _live_context(request, circle, overview)
    context.update({"error": error, "swapped": True})
    return render(request, "roles/partials/_current.html", context)


@login_required
@require_POST
def swap_request(request: AuthedRequest, community: str, circle: str, assignment_id: int) -> HttpResponse:
    found = _roles_circle(request, community, circle)
    assignment = selectors.assignment_get(circle=found, assignment_id=assignment_id)
    if assignment is None:
        raise Http404
    if not access.can_request_swap(request.user, assignment):
        return forbidden(request, _("Only the person holding this role can ask someone to swap."))
    form = SwapRequestForm(request.POST, assignment=assignment)
    error = ""
    if form.is_valid():
        try:
            swap = services.swap_request(
                assignment=assignment,
                actor=request.user,
                offered_to=form.cleaned_data["offered_to"],
                message=form.cleaned_data["message"],
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            if not is_htmx(request):
                messages.success(
                    request,
                    _("Asked %(name)s to take the %(role)s role this cycle.")
                    % {"name": swap.offered_to.user.name, "role": assignment.role.name},
                )
    else:
        error = " ".join(str(m) for errors in form.errors.values() for m in errors)
    if is_htmx(request):
        return _live_response(request, found, error)
    if error:
        return render(
            request, "roles/roles_index.html", _index_context(request, found, error=error), status=400
        )
    return _to_roles(found)


@login_required
@require_POST
def swap_decide(request: AuthedRequest, community: str, circle: str, swap_id: int) -> HttpResponse:
    found = _roles_circle(request, community, circle)
    swap = selectors.swap_get(circle=found, swap_id=swap_id)
    if swap is None:
        raise Http404
    form = SwapDecisionForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "roles/roles_index.html",
            _index_context(request, found, error=_("Choose accept, decline or withdraw.")),
            status=400,
        )
    decision = form.cleaned_data["decision"]
    error, done = "", ""
    try:
        if decision == "accept":
            services.swap_accept(swap=swap, actor=request.user)
            done = _("You hold the %(role)s role this cycle. Thank you!") % {
                "role": swap.assignment.role.name
            }
        elif decision == "decline":
            services.swap_decline(swap=swap, actor=request.user)
            done = _("Declined. %(name)s keeps the role.") % {"name": swap.requested_by.user.name}
        else:
            services.swap_cancel(swap=swap, actor=request.user)
            done = _("Request withdrawn.")
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        return _live_response(request, found, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return _to_roles(found)


@login_required
@require_POST
def role_add(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = _roles_circle(request, community, circle)
    if not access.can_manage_roles(request.user, found):
        return forbidden(request, _("Only the facilitator or an organizer can add roles."))
    form = RoleAddForm(request.POST, prefix="new", instance=CircleRole(circle=found))
    if form.is_valid():
        try:
            role = services.role_create(
                circle=found,
                actor=request.user,
                name=form.cleaned_data["name"],
                duties=form.cleaned_data["duties"],
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Role “%(name)s” added. It is assigned from now on.") % {"name": role.name}
            )
            return _to_roles(found)
    return render(
        request, "roles/roles_index.html", _index_context(request, found, add_form=form), status=400
    )


@login_required
def role_edit(request: AuthedRequest, community: str, circle: str, role_id: int) -> HttpResponse:
    found = _roles_circle(request, community, circle)
    role = selectors.role_get(circle=found, role_id=role_id)
    if role is None:
        raise Http404
    if not access.can_manage_roles(request.user, found):
        return forbidden(request, _("Only the facilitator or an organizer can change roles."))
    form = RoleForm(
        request.POST if request.method == "POST" else None, instance=CircleRole.objects.get(pk=role.pk)
    )
    if form.is_bound and form.is_valid():
        try:
            services.role_update(role=role, actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role “%(name)s” saved.") % {"name": role.name})
            return _to_roles(found)
    return render(
        request,
        "roles/role_edit.html",
        {"community": found.community, "circle": found, "role": role, "form": form},
        status=400 if form.errors else 200,
    )


def _opened_cycle(circle: Circle, index: int) -> Cycle:
    cycle = checkin_selectors.cycle_by_index(circle=circle, index=index)
    if cycle is None or cycle.opens_at > timezone.now():
        raise Http404
    cycle.circle = circle
    return cycle


def _summary_url(circle: Circle, cycle: Cycle) -> str:
    return reverse(
        "roles:summary",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "index": cycle.index},
    )


@login_required
def summary_view(request: AuthedRequest, community: str, circle: str, index: int) -> HttpResponse:
    found = _roles_circle(request, community, circle)
    cycle = _opened_cycle(found, index)
    summary = summaries.summary_get(cycle=cycle)
    published = summary if summary and summary.is_published else None
    return render(
        request,
        "roles/summary_detail.html",
        {
            "community": found.community,
            "circle": found,
            "cycle": cycle,
            "summary": published,
            "summary_html": render_markdown(published.text) if published else "",
            "can_edit": access.can_edit_summary(request.user, cycle),
            "summarizer": selectors.holder_of(circle=found, kind="summarizer", cycle=cycle),
        },
    )


@login_required
def summary_edit(request: AuthedRequest, community: str, circle: str, index: int) -> HttpResponse:
    found = _roles_circle(request, community, circle)
    cycle = _opened_cycle(found, index)
    if not access.can_edit_summary(request.user, cycle):
        return forbidden(
            request, _("Only this cycle's summarizer, the facilitator or an organizer can edit it.")
        )
    summary = summaries.summary_get(cycle=cycle)
    if request.method == "POST":
        form = SummaryForm(request.POST)
        action = request.POST.get("action", "save")
        if form.is_valid():
            text = form.cleaned_data["text"]
            try:
                if action == "publish":
                    summaries.summary_publish(cycle=cycle, actor=request.user, text=text)
                else:
                    summary = summaries.summary_save(cycle=cycle, actor=request.user, text=text)
            except PermissionDenied as exc:
                return forbidden(request, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if is_htmx(request):
                    return render(request, "roles/partials/_summary_status.html", {"summary": summary})
                if action == "publish":
                    messages.success(request, _("Summary published. The circle has been told."))
                    return redirect(_summary_url(found, cycle))
                messages.success(request, _("Summary saved."))
                return redirect(request.path)
        if is_htmx(request):
            return render(request, "roles/partials/_summary_status.html", {"summary": summary, "form": form})
    else:
        fresh = request.GET.get("redraft") == "1" or summary is None
        form = SummaryForm(initial={"text": summaries.summary_draft(cycle) if fresh else summary.text})  # type: ignore[union-attr]
    return render(
        request,
        "roles/summary_edit.html",
        {"community": found.community, "circle": found, "cycle": cycle, "summary": summary, "form": form},
        status=400 if form.errors else 200,
    )
