"""Calibration rounds: leads set the example and the reference review; learners review the example and
compare before their peer reviews of the module open. Anyone else gets a 404 for these pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.accounts.http import AuthedRequest
from peerpact.lib.forms import add_service_errors
from peerpact.lib.views import forbidden
from peerpact.programs import access, selectors, services
from peerpact.programs.forms import CalibrationForm, CalibrationSetupForm, ReferenceForm
from peerpact.programs.models import Calibration, CalibrationAttempt, Cohort, Module, level_label
from peerpact.programs.views.common import cohort_or_404, module_of


def _lead_or_404(
    request: AuthedRequest, community: str, cohort: int, module_id: int
) -> tuple[Cohort, Module]:
    found = cohort_or_404(request, community, cohort)
    module = module_of(found.program, module_id)
    if not access.can_lead_cohort(request.user, found):
        raise Http404
    return found, module


def _context(found: Cohort, module: Module, **extra: object) -> dict[str, object]:
    return {
        "community": found.program.community,
        "program": found.program,
        "cohort": found,
        "module": module,
        **extra,
    }


@login_required
def calibration(request: AuthedRequest, community: str, cohort: int, module_id: int) -> HttpResponse:
    """A learner reviews the example with the rubric; afterwards, their scores next to the reference."""
    found = cohort_or_404(request, community, cohort)
    module = module_of(found.program, module_id)
    if not access.can_take_calibration(request.user, found):
        raise Http404
    round_ = Calibration.objects.filter(cohort=found, module=module).first()
    attempt = selectors.calibration_attempt_of(calibration=round_, user=request.user)
    if round_ is None or (attempt is None and not round_.is_active):
        raise Http404  # no reference review yet: calibration is not shown, nothing is locked
    criteria = list(module.criteria.all())
    form = CalibrationForm(request.POST if request.method == "POST" else None, criteria=criteria)
    if attempt is None and form.is_bound and form.is_valid():
        try:
            services.calibration_submit(
                calibration=round_, actor=request.user, scores=form.scores(), now=timezone.now()
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Calibrated. Compare your scores; your peer reviews are open now."))
            return redirect("programs:calibration", community=community, cohort=found.pk, module_id=module.pk)
    rows = selectors.calibration_comparison(calibration=round_, attempt=attempt) if attempt else []
    return render(
        request,
        "programs/calibration.html",
        _context(
            found,
            module,
            calibration=round_,
            attempt=attempt,
            form=form,
            rows=rows,
            mean_difference=selectors.mean_absolute_difference([attempt], round_.reference_scores)
            if attempt
            else None,
        ),
        status=400 if form.errors else 200,
    )


@login_required
def calibration_setup(request: AuthedRequest, community: str, cohort: int, module_id: int) -> HttpResponse:
    """Leads switch the round on or off and set the example; the page says whether it is live."""
    found, module = _lead_or_404(request, community, cohort, module_id)
    round_ = services.calibration_get_or_new(cohort=found, module=module)
    initial = {"is_on": round_.is_on, "example": round_.example}
    form = CalibrationSetupForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            round_ = services.calibration_configure(
                cohort=found, module=module, actor=request.user, now=timezone.now(), **form.cleaned_data
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if round_.is_on and not round_.has_reference:
                messages.success(
                    request, _("Saved. Now review the example: calibration starts with your review.")
                )
                return redirect(
                    "programs:calibration-reference",
                    community=community,
                    cohort=found.pk,
                    module_id=module.pk,
                )
            messages.success(request, _("Calibration saved."))
            return redirect(
                "programs:calibration-setup", community=community, cohort=found.pk, module_id=module.pk
            )
    criteria = list(module.criteria.all())
    reference_rows = [
        (c, round_.reference_scores.get(str(c.pk)), level_label(c, round_.reference_scores.get(str(c.pk))))
        for c in criteria
    ]
    attempts = (
        list(CalibrationAttempt.objects.filter(calibration=round_).select_related("enrollment__user"))
        if round_.pk
        else []
    )
    return render(
        request,
        "programs/calibration_setup.html",
        _context(
            found,
            module,
            calibration=round_,
            state=selectors.calibration_state(round_ if round_.pk else None),
            form=form,
            criteria=criteria,
            reference_rows=reference_rows,
            calibrated=len(attempts),
            learners=found.enrollments.filter(state="active").count(),
            mean_difference=selectors.mean_absolute_difference(attempts, round_.reference_scores),
        ),
        status=400 if form.errors else 200,
    )


@login_required
def calibration_reference(
    request: AuthedRequest, community: str, cohort: int, module_id: int
) -> HttpResponse:
    """A lead reviews the example with the rubric and explains the scores: the reference review."""
    found, module = _lead_or_404(request, community, cohort, module_id)
    round_ = services.calibration_get_or_new(cohort=found, module=module)
    if round_.pk is None or not round_.example:
        messages.info(request, _("Set the example submission first."))
        return redirect(
            "programs:calibration-setup", community=community, cohort=found.pk, module_id=module.pk
        )
    criteria = list(module.criteria.all())
    initial: dict[str, object] = {f"criterion_{key}": score for key, score in round_.reference_scores.items()}
    initial["explanation"] = round_.reference_explanation or module.calibration_review
    form = ReferenceForm(
        request.POST if request.method == "POST" else None, criteria=criteria, initial=initial
    )
    if form.is_bound and form.is_valid():
        try:
            services.calibration_set_reference(
                calibration=round_,
                actor=request.user,
                scores=form.scores(),
                explanation=form.cleaned_data["explanation"],
                now=timezone.now(),
            )
        except PermissionDenied as exc:
            return forbidden(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Reference review saved."))
            return redirect(
                "programs:calibration-setup", community=community, cohort=found.pk, module_id=module.pk
            )
    return render(
        request,
        "programs/calibration_reference.html",
        _context(found, module, calibration=round_, form=form, criteria=criteria),
        status=400 if form.errors else 200,
    )
