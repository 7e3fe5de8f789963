"""Views of circle formation: intake authoring and applications list (authoring.py), the applicant's
form (apply.py), and the organizer's review of the proposal (review.py)."""

from __future__ import annotations

from peerpact.formation.views.apply import apply, withdraw
from peerpact.formation.views.authoring import (
    application_list,
    intake_create,
    intake_detail,
    intake_edit,
    intake_list,
    intake_status,
    question_create,
    question_delete,
    question_edit,
    question_move,
)
from peerpact.formation.views.review import (
    proposal,
    proposal_apply,
    proposal_lock,
    proposal_move,
    proposal_rename,
    run_progress,
    run_request,
)

__all__ = [
    "application_list",
    "apply",
    "intake_create",
    "intake_detail",
    "intake_edit",
    "intake_list",
    "intake_status",
    "proposal",
    "proposal_apply",
    "proposal_lock",
    "proposal_move",
    "proposal_rename",
    "question_create",
    "question_delete",
    "question_edit",
    "question_move",
    "run_progress",
    "run_request",
    "withdraw",
]
