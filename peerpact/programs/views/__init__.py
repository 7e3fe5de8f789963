"""Program pages: authoring (organizers), the cohort and its modules (learners), insights (leads)."""

from __future__ import annotations

from peerpact.programs.views.authoring import (
    cohort_create,
    criterion_remove,
    module_create,
    module_edit,
    program_create,
    program_detail,
    program_duplicate,
    program_edit,
    program_list,
    program_status,
    rubric_edit,
)
from peerpact.programs.views.calibration import calibration, calibration_reference, calibration_setup
from peerpact.programs.views.cohorts import (
    attachment_download,
    cohort_detail,
    enrollment_add,
    enrollment_drop,
    feedback,
    followup,
    highlight,
    module_detail,
    review_form,
    review_rate,
    review_tasks,
    reviews_allocate,
    submission_save,
)
from peerpact.programs.views.insights import insights, insights_csv

__all__ = [
    "attachment_download",
    "calibration",
    "calibration_reference",
    "calibration_setup",
    "cohort_create",
    "cohort_detail",
    "criterion_remove",
    "enrollment_add",
    "enrollment_drop",
    "feedback",
    "followup",
    "highlight",
    "insights",
    "insights_csv",
    "module_create",
    "module_detail",
    "module_edit",
    "program_create",
    "program_detail",
    "program_duplicate",
    "program_edit",
    "program_list",
    "program_status",
    "review_form",
    "review_rate",
    "review_tasks",
    "reviews_allocate",
    "rubric_edit",
    "submission_save",
]
