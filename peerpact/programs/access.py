"""Who may see or change what in programs. Views, services and selectors all ask here.

- Community organizers (owner, organizers) manage programs and see every cohort.
- A cohort's facilitators (seated facilitators of its huddles) see the cohort and its insights.
- Enrolled learners (active or completed) see their cohort; peers' solutions only after their own.
- Community members see published programs; everyone else gets a 404.
- Calibration: the cohort's leads set the example and the reference review; only active learners take
  it, and while an active round waits for a learner, their peer reviews of that module stay locked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from peerpact.circles.models import SEATED, MemberRole, Membership
from peerpact.communities import access as community_access
from peerpact.programs.models import (
    Attachment,
    Calibration,
    CalibrationAttempt,
    Cohort,
    Enrollment,
    EnrollmentState,
    Module,
    Program,
    ProgramStatus,
    ReviewAssignment,
    Submission,
)

MANAGER, FACILITATOR, LEARNER = "manager", "facilitator", "learner"
SEES_COHORT = (EnrollmentState.ACTIVE, EnrollmentState.COMPLETED)


def _uid(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def can_manage_programs(user: Any, community: Any) -> bool:
    return community_access.is_community_manager(user, community)


def programs_visible_to(user: Any, community: Any) -> QuerySet[Program]:
    if not community_access.can_view_community(user, community):
        return Program.objects.none()
    programs = Program.objects.filter(community=community)
    if can_manage_programs(user, community):
        return programs
    return programs.exclude(status=ProgramStatus.DRAFT)


def can_view_program(user: Any, program: Program) -> bool:
    if not community_access.can_view_community(user, program.community):
        return False
    return program.status != ProgramStatus.DRAFT or can_manage_programs(user, program.community)


def cohort_facilitator_ids(cohort: Cohort) -> set[int]:
    """Users who facilitate one of the cohort's huddles (cached on the cohort)."""
    cached = cohort.__dict__.get("_facilitator_ids")
    if cached is None:
        cached = set(
            Membership.objects.filter(
                circle__in=cohort.huddles.all(), role=MemberRole.FACILITATOR, status__in=SEATED
            ).values_list("user_id", flat=True)
        )
        cohort.__dict__["_facilitator_ids"] = cached
    return cached


def enrollment_of(user: Any, cohort: Cohort) -> Enrollment | None:
    """The user's enrollment in the cohort, whatever its state (cached per cohort object)."""
    uid = _uid(user)
    if uid is None:
        return None
    cache: dict[int, Enrollment | None] = cohort.__dict__.setdefault("_enrollment_cache", {})
    if uid not in cache:
        cache[uid] = Enrollment.objects.filter(cohort=cohort, user_id=uid).first()
    return cache[uid]


def cohort_role(user: Any, cohort: Cohort) -> str | None:
    """manager, facilitator, learner, or None (a stranger to the cohort: 404)."""
    uid = _uid(user)
    if uid is None:
        return None
    community = cohort.program.community
    if can_manage_programs(user, community):
        return MANAGER
    if not community_access.can_view_community(user, community):
        return None
    if uid in cohort_facilitator_ids(cohort):
        return FACILITATOR
    enrollment = enrollment_of(user, cohort)
    if enrollment is not None and enrollment.state in SEES_COHORT:
        return LEARNER
    return None


def can_view_cohort(user: Any, cohort: Cohort) -> bool:
    return cohort_role(user, cohort) is not None


def can_lead_cohort(user: Any, cohort: Cohort) -> bool:
    """Organizers and the cohort's facilitators: insights, highlights, opening review."""
    return cohort_role(user, cohort) in (MANAGER, FACILITATOR)


def can_submit(user: Any, cohort: Cohort) -> bool:
    enrollment = enrollment_of(user, cohort)
    return enrollment is not None and enrollment.is_active and cohort.program.is_published


def has_submitted(user: Any, cohort: Cohort, module: Module) -> bool:
    enrollment = enrollment_of(user, cohort)
    return enrollment is not None and Submission.objects.filter(enrollment=enrollment, module=module).exists()


def can_see_gallery(user: Any, cohort: Cohort, module: Module) -> bool:
    """Peers' solutions open up to a learner once their own is in; leads always see them."""
    if can_lead_cohort(user, cohort):
        return True
    return cohort_role(user, cohort) == LEARNER and has_submitted(user, cohort, module)


def can_view_submission(user: Any, submission: Submission) -> bool:
    cohort = submission.enrollment.cohort
    if not can_view_cohort(user, cohort):
        return False
    uid = _uid(user)
    if submission.enrollment.user_id == uid or can_lead_cohort(user, cohort):
        return True
    if ReviewAssignment.objects.live().filter(submission=submission, reviewer_id=uid).exists():
        return True
    return can_see_gallery(user, cohort, submission.module)


def can_download(user: Any, attachment: Attachment) -> bool:
    return can_view_submission(user, attachment.submission)


def can_review(user: Any, assignment: ReviewAssignment) -> bool:
    return assignment.reviewer_id == _uid(user) and assignment.is_live


def can_take_calibration(user: Any, cohort: Cohort) -> bool:
    """Only active learners of the cohort review the calibration example (leads write the reference)."""
    return can_submit(user, cohort)


def active_calibration(cohort: Cohort, module: Module) -> Calibration | None:
    """The module's calibration round in this cohort, if it is on and has a reference review."""
    found = Calibration.objects.filter(cohort=cohort, module=module, is_on=True).first()
    return found if found is not None and found.is_active else None


def must_calibrate(user: Any, cohort: Cohort, module: Module) -> bool:
    """A learner's peer reviews of the module are locked until they have reviewed the example.

    Without a reference review there is nothing to compare with, so nothing is locked. Leads who
    review as a fallback are not learners and are never locked.
    """
    enrollment = enrollment_of(user, cohort)
    if enrollment is None:
        return False
    calibration = active_calibration(cohort, module)
    if calibration is None:
        return False
    return not CalibrationAttempt.objects.filter(calibration=calibration, enrollment=enrollment).exists()
