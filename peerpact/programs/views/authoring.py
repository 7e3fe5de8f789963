"""Organizer pages: programs, modules, rubrics and starting cohorts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peerpact.accounts.http import AuthedRequest
from peerpact.lib.forms import add_service_errors
from peerpact.lib.views import forbidden
from peerpact.programs import access, selectors, services
from peerpact.programs.forms import (
    CohortForm,
    CriterionForm,
    DuplicateForm,
    ModuleForm,
    ProgramForm,
    StatusForm,
)
from peerpact.programs.models import Module, ProgramStatus, RubricCriterion
from peerpact.programs.views.common import community_or_404, module_of, program_or_404

NOT_ORGANIZER = gettext_lazy("Only the community's organizers create and edit programs.")


def _to_program(program: object) -> HttpResponse:
    return redirect("programs:detail", community=program.community.slug, program=program.slug)  # type: ignore[attr-defined]


@login_required
def program_list(request: AuthedRequest, community: str) -> HttpResponse:
    found = community_or_404(request, community)
    programs = list(access.programs_visible_to(request.user, found).prefetch_related("cohorts"))
    return render(
        request,
        "programs/program_list.html",
        {
            "community": found,
            "programs": programs,
            "can_manage": access.can_manage_programs(request.user, found),
        },
    )


@login_required
def program_create(request: AuthedRequest, community: str) -> HttpResponse:
    found = community_or_404(request, community)
    if not access.can_manage_programs(request.user, found):
        return forbidden(request, str(NOT_ORGANIZER))
    form = ProgramForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            program = services.program_create(community=found, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft program created. Add its modules, then publish it."))
            return _to_program(program)
    return render(
        request,
        "programs/program_form.html",
        {"community": found, "form": form, "program": None},
        status=400 if form.errors else 200,
    )


@login_required
def program_detail(request: AuthedRequest, community: str, program: str) -> HttpResponse:
    found = program_or_404(request, community, program)
    return render(
        request,
        "programs/program_detail.html",
        {
            "community": found.community,
            "program": found,
            "modules": list(selectors.prefetch_modules(found)),
            "cohorts": selectors.cohorts_for_user(user=request.user, program=found),
            "can_manage": access.can_manage_programs(request.user, found.community),
            "statuses": ProgramStatus,
        },
    )


@login_required
def program_edit(request: AuthedRequest, community: str, program: str) -> HttpResponse:
    found = program_or_404(request, community, program)
    if not access.can_manage_programs(request.user, found.community):
        return forbidden(request, str(NOT_ORGANIZER))
    form = ProgramForm(
        request.POST if request.method == "POST" else None, instance=type(found).objects.get(pk=found.pk)
    )
    if form.is_bound and form.is_valid():
        try:
            services.program_update(program=found, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Program saved."))
            return _to_program(found)
    return render(
        request,
        "programs/program_form.html",
        {"community": found.community, "form": form, "program": found},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def program_status(request: AuthedRequest, community: str, program: str) -> HttpResponse:
    found = program_or_404(request, community, program)
    if not access.can_manage_programs(request.user, found.community):
        return forbidden(request, str(NOT_ORGANIZER))
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.program_set_status(program=found, actor=request.user, status=form.cleaned_data["status"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The program is now: %(status)s.") % {"status": found.get_status_display()}
            )
    return _to_program(found)


@login_required
@require_POST
def program_duplicate(request: AuthedRequest, community: str, program: str) -> HttpResponse:
    found = program_or_404(request, community, program)
    if not access.can_manage_programs(request.user, found.community):
        return forbidden(request, str(NOT_ORGANIZER))
    form = DuplicateForm(request.POST)
    title = form.cleaned_data["title"] if form.is_valid() else ""
    copy = services.program_duplicate(program=found, actor=request.user, title=title)
    messages.success(request, _("Copied with all modules and rubrics, as a draft."))
    return _to_program(copy)


def _module_form_page(request: AuthedRequest, program: object, module: Module | None) -> HttpResponse:
    found = program
    data = request.POST if request.method == "POST" else None
    form = ModuleForm(data, instance=Module.objects.get(pk=module.pk) if module else Module(program=found))  # type: ignore[misc]
    if form.is_bound and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ModuleForm.Meta.fields}
        try:
            if module is None:
                module = services.module_create(program=found, actor=request.user, **fields)  # type: ignore[arg-type]
                messages.success(request, _("Module added. Now give it a rubric."))
                return redirect(
                    "programs:rubric",
                    community=found.community.slug,  # type: ignore[attr-defined]
                    program=found.slug,  # type: ignore[attr-defined]
                    module_id=module.pk,
                )
            services.module_update(module=module, actor=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Module saved."))
            return _to_program(found)
    return render(
        request,
        "programs/module_form.html",
        {"community": found.community, "program": found, "module": module, "form": form},  # type: ignore[attr-defined]
        status=400 if form.errors else 200,
    )


@login_required
def module_create(request: AuthedRequest, community: str, program: str) -> HttpResponse:
    found = program_or_404(request, community, program)
    if not access.can_manage_programs(request.user, found.community):
        return forbidden(request, str(NOT_ORGANIZER))
    return _module_form_page(request, found, None)


@login_required
def module_edit(request: AuthedRequest, community: str, program: str, module_id: int) -> HttpResponse:
    found = program_or_404(request, community, program)
    module = module_of(found, module_id)
    if not access.can_manage_programs(request.user, found.community):
        return forbidden(request, str(NOT_ORGANIZER))
    return _module_form_page(request, found, module)


@login_required
def rubric_edit(request: AuthedRequest, community: str, program: str, module_id: int) -> HttpResponse:
    found = program_or_404(request, community, program)
    module = module_of(found, module_id)
    if not access.can_manage_programs(request.user, found.community):
        return forbidden(request, str(NOT_ORGANIZER))
    form = CriterionForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.criterion_add(module=module, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Criterion added."))
            return redirect("programs:rubric", community=community, program=program, module_id=module.pk)
    return render(
        request,
        "programs/rubric.html",
        {
            "community": found.community,
            "program": found,
            "module": module,
            "criteria": list(module.criteria.all()),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def criterion_remove(
    request: AuthedRequest, community: str, program: str, module_id: int, criterion_id: int
) -> HttpResponse:
    found = program_or_404(request, community, program)
    module = module_of(found, module_id)
    criterion = get_object_or_404(RubricCriterion, pk=criterion_id, module=module)
    try:
        services.criterion_remove(criterion=criterion, actor=request.user)
    except PermissionDenied as exc:
        return forbidden(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Criterion removed."))
    return redirect("programs:rubric", community=community, program=program, module_id=module.pk)


@login_required
def cohort_create(request: AuthedRequest, community: str, program: str) -> HttpResponse:
    found = program_or_404(request, community, program)
    if not access.can_manage_programs(request.user, found.community):
        return forbidden(request, _("Only the community's organizers start cohorts."))
    form = CohortForm(
        request.POST if request.method == "POST" else None,
        community=found.community,
        initial={"starts_on": timezone.localdate()},
    )
    if form.is_bound and form.is_valid():
        try:
            cohort = services.cohort_create(
                program=found,
                actor=request.user,
                name=form.cleaned_data["name"],
                starts_on=form.cleaned_data["starts_on"],
                timezone=form.cleaned_data["timezone"],
                huddles=list(form.cleaned_data["huddles"]),
                now=timezone.now(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Cohort started with %(count)d learners.") % {"count": cohort.enrollments.count()},
            )
            return redirect("programs:cohort", community=community, cohort=cohort.pk)
    return render(
        request,
        "programs/cohort_form.html",
        {"community": found.community, "program": found, "form": form},
        status=400 if form.errors else 200,
    )
