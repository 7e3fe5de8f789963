"""Every write in programs: authoring, cohorts, submissions, reviews and follow-ups."""

from __future__ import annotations

from peerpact.programs.services.authoring import (
    criterion_add,
    criterion_remove,
    module_create,
    module_update,
    program_create,
    program_duplicate,
    program_set_status,
    program_update,
)
from peerpact.programs.services.calibration import (
    calibration_configure,
    calibration_get_or_new,
    calibration_set_reference,
    calibration_submit,
)
from peerpact.programs.services.cohorts import (
    cohort_create,
    cohort_set_status,
    enrollment_add,
    enrollment_drop,
    module_view_record,
)
from peerpact.programs.services.followups import followup_answer, followup_create, followups_send
from peerpact.programs.services.reviews import (
    review_rate,
    review_start,
    review_submit,
    reviews_allocate,
    reviews_allocate_due,
    reviews_release_overdue,
)
from peerpact.programs.services.submissions import highlight_set, reviews_started, submission_save

__all__ = [
    "calibration_configure",
    "calibration_get_or_new",
    "calibration_set_reference",
    "calibration_submit",
    "cohort_create",
    "cohort_set_status",
    "criterion_add",
    "criterion_remove",
    "enrollment_add",
    "enrollment_drop",
    "followup_answer",
    "followup_create",
    "followups_send",
    "highlight_set",
    "module_create",
    "module_update",
    "module_view_record",
    "program_create",
    "program_duplicate",
    "program_set_status",
    "program_update",
    "review_rate",
    "review_start",
    "review_submit",
    "reviews_allocate",
    "reviews_allocate_due",
    "reviews_release_overdue",
    "reviews_started",
    "submission_save",
]
