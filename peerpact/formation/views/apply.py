"""The applicant's form, reached through the intake's public link (login required).

A draft intake's link is a 404 for everyone but the organizers, who get a preview. A closed (or applied)
intake shows a page saying so, with the applicant's own answers read-only; posting to it is a 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.communities import access as community_access
from peerpact.formation import access, selectors
from peerpact.formation.forms import ApplicationForm
from peerpact.formation.models import Intake, IntakeStatus
from peerpact.formation.services import intakes as services
from peerpact.formation.views.answers import describe_application
from peerpact.lib.forms import add_service_errors
from peerpact.lib.views import forbidden


def _intake_by_token(request: AuthedRequest, token: str) -> tuple[Intake, bool]:
    """The intake and whether the user organizes it; a draft is a 404 for everyone else."""
    intake = get_object_or_404(Intake.objects.select_related("community", "cohort"), token=token)
    organizer = access.can_manage_intake(request.user, intake)
    if intake.status == IntakeStatus.DRAFT and not organizer:
        raise Http404
    return intake, organizer


def _closing_text(intake: Intake) -> str:
    if intake.closes_at is None:
        return _("You can change them until the organizers close the intake.")
    when = formats.date_format(timezone.localtime(intake.closes_at), "DATETIME_FORMAT")
    return _("You can change them until %(when)s.") % {"when": when}


@login_required
def apply(request: AuthedRequest, token: str) -> HttpResponse:
    intake, organizer = _intake_by_token(request, token)
    now = timezone.now()
    if intake.cohort_id is not None and not community_access.can_view_community(
        request.user, intake.community
    ):
        return forbidden(request, _("This intake is for members of the community."))
    application = selectors.application_for(intake, request.user)
    questions = list(intake.questions.all())
    context = {"intake": intake, "application": application, "organizer": organizer}
    if not intake.accepts_answers(now):
        if request.method == "POST":
            return forbidden(request, _("This intake is not taking applications any more."))
        if intake.status == IntakeStatus.DRAFT:  # only organizers get here: a preview of the form
            form = ApplicationForm(intake=intake, user=request.user)
            return render(request, "formation/apply.html", {**context, "form": form, "preview": True})
        summary = describe_application(application, questions, own=True) if application else None
        return render(request, "formation/apply_closed.html", {**context, "summary": summary})
    form = ApplicationForm(
        request.POST if request.method == "POST" else None,
        intake=intake,
        user=request.user,
        application=application,
    )
    if form.is_bound and form.is_valid():
        try:
            services.application_save(intake=intake, user=request.user, data=form.to_input(), now=now)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            return forbidden(request, exc)
        else:
            messages.success(request, _("Your answers are saved.") + " " + _closing_text(intake))
            return redirect("intake:apply", token=intake.token)
    return render(
        request,
        "formation/apply.html",
        {**context, "form": form, "preview": False, "closing_text": _closing_text(intake)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def withdraw(request: AuthedRequest, token: str) -> HttpResponse:
    intake, _organizer = _intake_by_token(request, token)
    application = selectors.application_for(intake, request.user)
    if application is None or application.withdrawn_at is not None:
        return forbidden(request, _("You have no application to withdraw."))
    try:
        services.application_withdraw(application=application, user=request.user, now=timezone.now())
    except PermissionDenied as exc:
        return forbidden(request, exc)
    messages.success(
        request, _("Your application is withdrawn. You can apply again while the intake is open.")
    )
    return redirect("intake:apply", token=intake.token)
