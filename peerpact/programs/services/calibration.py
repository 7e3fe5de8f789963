"""Calibration rounds: the cohort's leads set an example and review it (the reference); learners review
the same example with the rubric before their peer reviews of the module unlock, and compare."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from peerpact.programs import access
from peerpact.programs.models import Calibration, CalibrationAttempt, Cohort, Module
from peerpact.programs.services.reviews import clean_scores


def _require_lead(actor: Any, cohort: Cohort) -> None:
    if not access.can_lead_cohort(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators and organizers set up calibration."))


def calibration_get_or_new(*, cohort: Cohort, module: Module) -> Calibration:
    """The cohort's round for the module, or an unsaved one starting from the module's default text."""
    found = Calibration.objects.filter(cohort=cohort, module=module).first()
    if found is not None:
        return found
    return Calibration(
        cohort=cohort,
        module=module,
        example=module.calibration_example,
        reference_explanation=module.calibration_review,
    )


def calibration_configure(
    *, cohort: Cohort, module: Module, actor: Any, is_on: bool, example: str, now: datetime
) -> Calibration:
    """Switch the module's calibration round on or off and set its example submission."""
    _require_lead(actor, cohort)
    if module.program_id != cohort.program_id:
        raise ValidationError(_("That module is not part of this cohort's program."))
    example = example.strip()
    if is_on and not example:
        raise ValidationError({"example": _("Write or paste an example submission to calibrate on.")})
    with transaction.atomic():
        calibration, _created = Calibration.objects.select_for_update().get_or_create(
            cohort=cohort, module=module, defaults={"updated_at": now}
        )
        if example != calibration.example and calibration.attempts.exists():
            # Learners' scores refer to the example they read; changing it would make them meaningless.
            raise ValidationError(
                {"example": _("Learners have already reviewed this example; it can no longer change.")}
            )
        calibration.is_on, calibration.example, calibration.updated_at = is_on, example, now
        calibration.full_clean()
        calibration.save(update_fields=["is_on", "example", "updated_at"])
    return calibration


def calibration_set_reference(
    *, calibration: Calibration, actor: Any, scores: dict[Any, Any], explanation: str, now: datetime
) -> Calibration:
    """The lead's review of the example with the rubric: what learners compare their own scores with."""
    _require_lead(actor, calibration.cohort)
    module = calibration.module
    if not calibration.example:
        raise ValidationError(_("Set the example submission first."))
    if not module.criteria.exists():
        raise ValidationError(
            _("Give the module a rubric first: the reference review scores each criterion.")
        )
    cleaned = clean_scores(module, scores)
    explanation = explanation.strip()
    if not explanation:
        raise ValidationError(
            {"explanation": _("Explain your scores in a few lines: learners read it after they compare.")}
        )
    with transaction.atomic():
        locked = Calibration.objects.select_for_update().get(pk=calibration.pk)
        if locked.has_reference and cleaned != locked.reference_scores and locked.attempts.exists():
            raise ValidationError(
                _("Learners have already compared with these scores; only the explanation can change.")
            )
        calibration.reference_scores, calibration.reference_explanation = cleaned, explanation
        calibration.reference_by, calibration.reference_at = actor, now
        calibration.updated_at = now
        calibration.full_clean()
        calibration.save(
            update_fields=[
                "reference_scores",
                "reference_explanation",
                "reference_by",
                "reference_at",
                "updated_at",
            ]
        )
    return calibration


def calibration_submit(
    *, calibration: Calibration, actor: Any, scores: dict[Any, Any], now: datetime
) -> CalibrationAttempt:
    """A learner reviews the example with the rubric; their peer reviews of the module unlock."""
    cohort = calibration.cohort
    if not access.can_take_calibration(actor, cohort):
        raise PermissionDenied(_("Only learners enrolled in this cohort take the calibration round."))
    if not calibration.is_active:
        raise ValidationError(_("This calibration round is not open."))
    enrollment = access.enrollment_of(actor, cohort)
    assert enrollment is not None  # can_take_calibration checked it
    cleaned = clean_scores(calibration.module, scores)
    try:
        with transaction.atomic():
            attempt = CalibrationAttempt.objects.create(
                calibration=calibration, enrollment=enrollment, scores=cleaned, submitted_at=now
            )
    except IntegrityError as exc:  # a double submit: the first one counts
        raise ValidationError(_("You have already reviewed this example.")) from exc
    return attempt
