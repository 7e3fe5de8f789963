"""The organizer's review of the proposal: run the solver, read why each circle was formed, move
members, lock and rename circles, then apply (circles and invitations in one step).

Every edit carries the proposal version the organizer saw; a stale one answers 409 with the current
proposal and loses nothing. On htmx requests the edits answer with the board partial only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.circles.models import Circle
from peerpact.communities import selectors as community_selectors
from peerpact.formation import access
from peerpact.formation.models import FormationRun, Intake, RunStatus
from peerpact.formation.selectors import ProposalSummary, proposal_summary
from peerpact.formation.services import runs as services
from peerpact.lib.htmx import is_htmx
from peerpact.lib.views import forbidden

NOT_ORGANIZER = gettext_lazy("Only the community's organizers form circles and review the proposal.")
NEW_CIRCLE = "new"


# -- forms (the review page's small controls; every one carries the proposal version) -----------------


class _VersionedForm(forms.Form):
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class MoveForm(_VersionedForm):
    application = forms.IntegerField(min_value=1)
    to = forms.CharField(max_length=12)

    def clean_to(self) -> int | None:
        value = self.cleaned_data["to"].strip()
        if value == NEW_CIRCLE:
            return None
        if not value.isdigit():
            raise ValidationError(_("Choose a circle."))
        return int(value)


class LockForm(_VersionedForm):
    circle = forms.IntegerField(min_value=0)
    locked = forms.BooleanField(required=False)


class RenameForm(_VersionedForm):
    circle = forms.IntegerField(min_value=0)
    name = forms.CharField(max_length=400, required=False, strip=False)  # the service checks it


class ApplyForm(_VersionedForm):
    message = forms.CharField(max_length=2000, required=False)
    accept_violations = forms.BooleanField(required=False)


@dataclass
class ControlError:
    """A refused edit, shown next to the control that made it, with what the organizer typed."""

    kind: str  # run | move | lock | rename | apply | accept_violations
    message: str
    circle: int | None = None
    application: int | None = None
    value: str = ""


# -- lookups -------------------------------------------------------------------------------------------


def _intake_or_404(request: AuthedRequest, community: str, intake: int) -> Intake:
    """The intake of a community the user is in; another community's intake is a 404 here."""
    found = community_selectors.community_get_for_user(user=request.user, slug=community)
    if found is None:
        raise Http404
    return get_object_or_404(Intake.objects.select_related("community", "cohort"), pk=intake, community=found)


def _managed_intake(request: AuthedRequest, community: str, intake: int) -> Intake:
    found = _intake_or_404(request, community, intake)
    if not access.can_manage_intake(request.user, found):
        raise PermissionDenied(NOT_ORGANIZER)
    return found


def _proposal_url(intake: Intake, anchor: str = "") -> str:
    url = reverse("formation:proposal", kwargs={"community": intake.community.slug, "intake": intake.pk})
    return f"{url}#{anchor}" if anchor else url


def _summary(intake: Intake) -> ProposalSummary:
    fresh = Intake.objects.select_related("community", "cohort").get(pk=intake.pk)
    return proposal_summary(fresh, now=timezone.now(), viewer_zone=timezone.get_current_timezone_name())


def _created_circles(summary: ProposalSummary) -> dict[int, Circle]:
    ids = [c.circle_id for c in summary.circles if c.circle_id]
    if not ids:
        return {}
    return {c.pk: c for c in Circle.objects.filter(pk__in=ids, community=summary.intake.community)}


def _board_context(
    intake: Intake,
    *,
    error: ControlError | None = None,
    notice: str = "",
    focus_application: int | None = None,
    apply_form: ApplyForm | None = None,
) -> dict[str, Any]:
    summary = _summary(intake)
    intake = summary.intake
    run = summary.latest_run
    created = _created_circles(summary)
    cards = [
        {
            "view": circle,
            "created": created.get(circle.circle_id) if circle.circle_id else None,
            "others": [other for other in summary.circles if other.index != circle.index],
        }
        for circle in summary.circles
    ]
    members = sum(len(c.members) for c in summary.circles)
    return {
        "community": intake.community,
        "intake": intake,
        "summary": summary,
        "cards": cards,
        "run": run,
        "run_active": run is not None and not run.is_finished,
        "run_failed": run is not None and run.status == RunStatus.FAILED,
        "percent": round(run.progress * 100) if run is not None else 0,
        "locked_count": sum(1 for c in summary.circles if c.locked),
        "member_count": members,
        "editable": not intake.is_applied,
        "error": error,
        "notice": notice,
        "focus_application": focus_application,
        "apply_message": apply_form.data.get("message", "") if apply_form is not None else "",
        "accepted": bool(apply_form is not None and apply_form.data.get("accept_violations")),
    }


def _respond(
    request: AuthedRequest,
    intake: Intake,
    *,
    status: int = 200,
    error: ControlError | None = None,
    notice: str = "",
    focus_application: int | None = None,
    apply_form: ApplyForm | None = None,
) -> HttpResponse:
    """The board partial on htmx, else the whole page (used for errors: success redirects instead)."""
    context = _board_context(
        intake, error=error, notice=notice, focus_application=focus_application, apply_form=apply_form
    )
    if is_htmx(request):
        context["partial"] = True
        return render(request, "formation/partials/_board.html", context, status=status)
    return render(request, "formation/proposal.html", context, status=status)


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _field_message(exc: ValidationError, field: str) -> str | None:
    if hasattr(exc, "error_dict") and field in exc.error_dict:
        return " ".join(exc.message_dict[field])
    return None


def _form_error(form: forms.Form) -> str:
    return " ".join(str(m) for errors in form.errors.values() for m in errors) or _("Check the form.")


# -- pages and fragments -------------------------------------------------------------------------------


@login_required
@require_GET
def proposal(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    try:
        found = _managed_intake(request, community, intake)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    return render(request, "formation/proposal.html", _board_context(found))


@login_required
@require_POST
def run_request(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    try:
        found = _managed_intake(request, community, intake)
        services.run_request(intake=found, actor=request.user, now=timezone.now())
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        error = ControlError("run", _message(exc))
        if is_htmx(request):
            context = {**_board_context(found, error=error), "partial": True}
            return render(request, "formation/partials/_run_panel.html", context, status=400)
        return _respond(request, found, status=400, error=error)
    if is_htmx(request):
        context = {**_board_context(found), "partial": True}  # its latest run is this one
        return render(request, "formation/partials/_run_panel.html", context)
    messages.success(request, _("Forming circles… this page shows the progress."))
    return redirect(_proposal_url(found))


@login_required
@require_GET
def run_progress(request: AuthedRequest, community: str, intake: int, run: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    the_run = get_object_or_404(FormationRun, pk=run, intake=found)  # another intake's run: 404
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    response = render(
        request,
        "formation/partials/_run_progress.html",
        {
            "community": found.community,
            "intake": found,
            "run": the_run,
            "run_active": not the_run.is_finished,
            "percent": round(the_run.progress * 100),
        },
    )
    if the_run.is_finished and is_htmx(request):
        response["HX-Refresh"] = "true"  # the page reloads with the new proposal (or the error)
    return response


def _edit(
    request: AuthedRequest,
    community: str,
    intake: int,
    form_class: type[_VersionedForm],
    kind: str,
    act: Any,
) -> HttpResponse:
    """The shared shape of move/lock/rename: validate, call the service, answer (PRG or partial)."""
    try:
        found = _managed_intake(request, community, intake)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    form = form_class(request.POST)
    circle = _int_or_none(request.POST.get("circle"))
    application = _int_or_none(request.POST.get("application"))
    typed = request.POST.get("name", "")
    if not form.is_valid():
        error = ControlError(kind, _form_error(form), circle=circle, application=application, value=typed)
        return _respond(request, found, status=400, error=error)
    try:
        notice, anchor, focus = act(found, form.cleaned_data)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except services.StaleProposal as exc:
        # Nothing is lost: the page shows the proposal as it is now, with what was typed kept.
        error = ControlError(kind, _message(exc), circle=circle, application=application, value=typed)
        return _respond(request, found, status=409, error=error, notice=_message(exc))
    except ValidationError as exc:
        message = _field_message(exc, "name") or _message(exc)
        error = ControlError(kind, message, circle=circle, application=application, value=typed)
        return _respond(request, found, status=400, error=error)
    if is_htmx(request):
        return _respond(request, found, notice=notice, focus_application=focus)
    messages.success(request, notice)
    return redirect(_proposal_url(found, anchor))


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _name_of(intake: Intake, application_id: int) -> str:
    app = intake.applications.select_related("user").filter(pk=application_id).first()
    return app.user.name if app is not None else _("The applicant")


@login_required
@require_POST
def proposal_move(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    def act(found: Intake, data: dict[str, Any]) -> tuple[str, str, int]:
        saved = services.proposal_move(
            intake=found,
            actor=request.user,
            application_id=data["application"],
            to_circle=data["to"],
            expected_version=data["version"],
        )
        index = next(
            (i for i, c in enumerate(saved.proposed_circles) if data["application"] in c["members"]), 0
        )
        name = saved.proposed_circles[index]["name"] if saved.proposed_circles else ""
        notice = _("%(who)s is now in “%(circle)s”. Scores are updated.") % {
            "who": _name_of(found, data["application"]),
            "circle": name,
        }
        return notice, f"circle-{index}", data["application"]

    return _edit(request, community, intake, MoveForm, "move", act)


@login_required
@require_POST
def proposal_lock(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    def act(found: Intake, data: dict[str, Any]) -> tuple[str, str, None]:
        saved = services.proposal_lock(
            intake=found,
            actor=request.user,
            circle=data["circle"],
            locked=data["locked"],
            expected_version=data["version"],
        )
        name = saved.proposed_circles[data["circle"]]["name"]
        notice = (
            _("“%(circle)s” is locked: a re-run keeps it as it is.")
            if data["locked"]
            else _("“%(circle)s” is unlocked: a re-run may change it.")
        ) % {"circle": name}
        return notice, f"circle-{data['circle']}", None

    return _edit(request, community, intake, LockForm, "lock", act)


@login_required
@require_POST
def proposal_rename(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    def act(found: Intake, data: dict[str, Any]) -> tuple[str, str, None]:
        saved = services.proposal_rename(
            intake=found,
            actor=request.user,
            circle=data["circle"],
            name=data["name"],
            expected_version=data["version"],
        )
        notice = _("The circle is now called “%(circle)s”.") % {
            "circle": saved.proposed_circles[data["circle"]]["name"]
        }
        return notice, f"circle-{data['circle']}", None

    return _edit(request, community, intake, RenameForm, "rename", act)


@login_required
@require_POST
def proposal_apply(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    try:
        found = _managed_intake(request, community, intake)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        return _respond(
            request, found, status=400, error=ControlError("apply", _form_error(form)), apply_form=form
        )
    try:
        created = services.intake_apply(
            intake=found,
            actor=request.user,
            now=timezone.now(),
            expected_version=form.cleaned_data["version"],
            accept_violations=form.cleaned_data["accept_violations"],
            message=form.cleaned_data["message"].strip(),
        )
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except services.StaleProposal as exc:
        error = ControlError("apply", _message(exc))
        return _respond(request, found, status=409, error=error, notice=_message(exc), apply_form=form)
    except ValidationError as exc:
        accept = _field_message(exc, "accept_violations")
        error = ControlError("accept_violations", accept) if accept else ControlError("apply", _message(exc))
        return _respond(request, found, status=400, error=error, apply_form=form)
    applied = Intake.objects.get(pk=found.pk).proposed_circles
    invited = sum(len(c["members"]) for c in applied if c.get("circle_id"))
    notice = ngettext(
        "%(n)d circle created; %(m)d people are invited.",
        "%(n)d circles created; %(m)d people are invited.",
        len(created),
    ) % {"n": len(created), "m": invited}
    if is_htmx(request):
        return _respond(request, found, notice=notice)
    messages.success(request, notice)
    return redirect(_proposal_url(found))
