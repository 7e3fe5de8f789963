"""Organizer pages: intakes, their questions, and the list of applications.

A community the user is not in is a 404 (so is an intake of another community reached through ours); a
member who is not an organizer gets a 403 that says why.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.communities import selectors as community_selectors
from peerpact.communities.models import Community
from peerpact.formation import access, selectors
from peerpact.formation.forms import IntakeForm, QuestionForm, language_name
from peerpact.formation.models import Intake, IntakeQuestion, IntakeStatus
from peerpact.formation.services import intakes as services
from peerpact.formation.views.answers import ApplicantCard, describe_application
from peerpact.lib.forms import add_service_errors
from peerpact.lib.views import forbidden

NOT_ORGANIZER = gettext_lazy("Only the community's organizers run intakes and see applications.")


def _community_or_404(request: AuthedRequest, slug: str) -> Community:
    found = community_selectors.community_get_for_user(user=request.user, slug=slug)
    if found is None:
        raise Http404
    return found


def _intake_or_404(request: AuthedRequest, community: str, intake: int) -> Intake:
    """The intake of a community the user is in (another community's intake is a 404 here)."""
    found = _community_or_404(request, community)
    return get_object_or_404(Intake.objects.select_related("community", "cohort"), pk=intake, community=found)


def _question_or_404(intake: Intake, question: int) -> IntakeQuestion:
    return get_object_or_404(IntakeQuestion, pk=question, intake=intake)


def _to_intake(intake: Intake) -> HttpResponse:
    return redirect("formation:detail", community=intake.community.slug, intake=intake.pk)


def public_link(intake: Intake) -> str:
    return settings.SITE_URL + reverse("intake:apply", kwargs={"token": intake.token})


@login_required
def intake_list(request: AuthedRequest, community: str) -> HttpResponse:
    found = _community_or_404(request, community)
    if not access.can_manage_intakes(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    return render(
        request,
        "formation/intake_list.html",
        {"community": found, "intakes": list(selectors.intake_list_for(found).select_related("cohort"))},
    )


@login_required
def intake_create(request: AuthedRequest, community: str) -> HttpResponse:
    found = _community_or_404(request, community)
    if not access.can_manage_intakes(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    initial = services.default_options()
    form = IntakeForm(
        request.POST if request.method == "POST" else None,
        instance=Intake(community=found, **initial),
        community=found,
    )
    if form.is_bound and form.is_valid():
        fields = form.service_fields()
        try:
            intake = services.intake_create(
                community=found, actor=request.user, cohort=form.cleaned_data.get("cohort"), **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft intake created. Add your own questions, then open it."))
            return _to_intake(intake)
    return render(
        request,
        "formation/intake_form.html",
        {"community": found, "form": form, "intake": None},
        status=400 if form.errors else 200,
    )


@login_required
def intake_edit(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    form = IntakeForm(
        request.POST if request.method == "POST" else None,
        instance=Intake.objects.get(pk=found.pk),  # the form may not touch the intake we save
        community=found.community,
    )
    if form.is_bound and form.is_valid():
        try:
            services.intake_update(intake=found, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Intake saved."))
            return _to_intake(found)
    return render(
        request,
        "formation/intake_form.html",
        {"community": found.community, "form": form, "intake": found},
        status=400 if form.errors else 200,
    )


@login_required
def intake_detail(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    applications = found.applications.all()
    return render(
        request,
        "formation/intake_detail.html",
        {
            "community": found.community,
            "intake": found,
            "questions": list(found.questions.all()),
            "public_link": public_link(found),
            "languages": [language_name(code) for code in found.language_options],
            "applicant_count": applications.filter(withdrawn_at__isnull=True).count(),
            "withdrawn_count": applications.filter(withdrawn_at__isnull=False).count(),
            "statuses": IntakeStatus,
            "accepting": found.accepts_answers(timezone.now()),
        },
    )


@login_required
@require_POST
def intake_status(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    action = request.POST.get("action")
    try:
        if action == "open":
            services.intake_open(intake=found, actor=request.user, now=timezone.now())
            messages.success(request, _("The intake is open. Share its link with the people you invite."))
        elif action == "close":
            services.intake_close(intake=found, actor=request.user, now=timezone.now())
            messages.success(request, _("The intake is closed. Answers can no longer change."))
        else:
            messages.error(request, _("Choose whether to open or close the intake."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _to_intake(found)


def _question_page(request: AuthedRequest, intake: Intake, question: IntakeQuestion | None) -> HttpResponse:
    instance = IntakeQuestion.objects.get(pk=question.pk) if question else IntakeQuestion(intake=intake)
    form = QuestionForm(request.POST if request.method == "POST" else None, instance=instance)
    if form.is_bound and form.is_valid():
        try:
            if question is None:
                services.question_add(intake=intake, actor=request.user, **form.service_fields())
                messages.success(request, _("Question added."))
            else:
                services.question_update(question=question, actor=request.user, **form.service_fields())
                messages.success(request, _("Question saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _to_intake(intake)
    return render(
        request,
        "formation/question_form.html",
        {"community": intake.community, "intake": intake, "question": question, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def question_create(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    return _question_page(request, found, None)


@login_required
def question_edit(request: AuthedRequest, community: str, intake: int, question: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    asked = _question_or_404(found, question)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    return _question_page(request, found, asked)


@login_required
@require_POST
def question_delete(request: AuthedRequest, community: str, intake: int, question: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    asked = _question_or_404(found, question)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    try:
        services.question_delete(question=asked, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Question removed."))
    return _to_intake(found)


@login_required
@require_POST
def question_move(request: AuthedRequest, community: str, intake: int, question: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    asked = _question_or_404(found, question)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, _("Move a question up or down."))
    else:
        services.question_move(question=asked, actor=request.user, offset=offset)
    return _to_intake(found)


# -- applications -----------------------------------------------------------------------------------


@login_required
def application_list(request: AuthedRequest, community: str, intake: int) -> HttpResponse:
    found = _intake_or_404(request, community, intake)
    if not access.can_manage_intake(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    questions = list(found.questions.all())
    # `defer("identity")`: the private answers are not even loaded for this page.
    applications = list(
        found.applications.defer("identity").select_related("user", "intake").order_by("created_at", "pk")
    )
    cards = [ApplicantCard(a, describe_application(a, questions)) for a in applications]
    return render(
        request,
        "formation/applications.html",
        {
            "community": found.community,
            "intake": found,
            "active": [card for card in cards if card.application.withdrawn_at is None],
            "withdrawn": [card for card in cards if card.application.withdrawn_at is not None],
            "has_identity_questions": any(q.is_identity for q in questions),
        },
    )
