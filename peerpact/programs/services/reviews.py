"""Peer review: allocating reviewers, releasing late reviews, reviewing with the rubric, rating reviews.

Allocation itself is a pure function (programs/allocation.py); this module feeds it the cohort and
stores its plan. It only ever adds assignments: live ones are passed as `keep`, and a started review
is never released.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from peerpact.notifications import events
from peerpact.notifications.notify import notify
from peerpact.programs import access
from peerpact.programs.allocation import Reviewer, allocate
from peerpact.programs.allocation import Submission as Work
from peerpact.programs.models import (
    Cohort,
    CohortStatus,
    EnrollmentState,
    Module,
    ProgramStatus,
    Review,
    ReviewAssignment,
    Submission,
)

log = logging.getLogger(__name__)
BATCH = 20


def reviews_allocate(
    *, module: Module, cohort: Cohort, now: datetime, actor: Any = None
) -> list[ReviewAssignment]:
    """Give every submission of the module up to k live reviewers; returns the new assignments.

    Reviewers are the learners who submitted; a review that lapsed is not given back to the same
    person; the cohort's facilitators are the fallback when peers run out.
    """
    if actor is not None and not access.can_lead_cohort(actor, cohort):
        raise PermissionDenied(_("Only the cohort's facilitators and organizers open peer review."))
    if module.program_id != cohort.program_id:
        raise ValidationError(_("That module is not part of this cohort's program."))
    with transaction.atomic():
        submissions = list(
            Submission.objects.select_for_update()
            .filter(module=module, enrollment__cohort=cohort, enrollment__state=EnrollmentState.ACTIVE)
            .select_related("enrollment")
            .order_by("pk")
        )
        if not submissions:
            return []
        ids = [s.pk for s in submissions]
        if module.reviews_k == 0:
            Submission.objects.filter(pk__in=ids).update(allocated_at=now)
            return []
        live = list(ReviewAssignment.objects.live().filter(submission_id__in=ids))
        # A review that lapsed is never handed back to the same person for the same submission.
        lapsed = list(
            ReviewAssignment.objects.filter(submission_id__in=ids, released_at__isnull=False).values_list(
                "submission_id", "reviewer_id"
            )
        )
        works = [
            Work(id=s.pk, author=s.enrollment.user_id, group=s.enrollment.circle_id) for s in submissions
        ]
        reviewers = [Reviewer(id=s.enrollment.user_id, group=s.enrollment.circle_id) for s in submissions]
        peer_ids = {r.id for r in reviewers}
        fallback_ids = sorted(access.cohort_facilitator_ids(cohort) - peer_ids)
        fallback = [Reviewer(id=uid, group=None) for uid in fallback_ids]
        keep = [(a.submission_id, a.reviewer_id) for a in live]
        plan = allocate(
            submissions=works,
            reviewers=reviewers,
            k=module.reviews_k,
            separate_groups=module.separate_circles,
            keep=keep,
            fallback=fallback,
            exclude=lapsed,
        )
        kept = set(keep)
        due_at = now + timedelta(days=module.review_days)
        created = [
            ReviewAssignment.objects.create(
                submission_id=submission_id,
                reviewer_id=reviewer_id,
                assigned_at=now,
                due_at=due_at,
                is_fallback=reviewer_id not in peer_ids,
            )
            for submission_id, reviewer_id in plan.assignments
            if (submission_id, reviewer_id) not in kept
        ]
        Submission.objects.filter(pk__in=ids).update(allocated_at=now)
        if plan.shortfall:
            log.info(
                "programs: module %s cohort %s short of reviewers: %s", module.pk, cohort.pk, plan.shortfall
            )
        _notify_assigned(created, cohort)  # outbox rows: part of the same transaction
    return created


def _notify_assigned(assignments: list[ReviewAssignment], cohort: Cohort) -> None:
    for assignment in ReviewAssignment.objects.filter(pk__in=[a.pk for a in assignments]).select_related(
        "reviewer", "submission__module"
    ):
        url = reverse(
            "programs:review",
            kwargs={
                "community": cohort.program.community.slug,
                "cohort": cohort.pk,
                "assignment_id": assignment.pk,
            },
        )
        notify(
            recipient=assignment.reviewer,
            kind="program.review_assigned",
            template="emails/program_review_assigned",
            context={
                "module": assignment.submission.module.title,
                "program": cohort.program.title,
                "due_at": assignment.due_at.isoformat(),
            },
            due_at=assignment.assigned_at,
            dedupe_key=f"program.review_assigned:{assignment.pk}",
            url=url,
        )


def _due_pairs(now: datetime) -> list[tuple[Cohort, Module]]:
    """(cohort, module) pairs with submissions waiting for reviewers whose module is due (or in review)."""
    waiting = (
        Submission.objects.filter(
            allocated_at__isnull=True,
            enrollment__state=EnrollmentState.ACTIVE,
            enrollment__cohort__status=CohortStatus.RUNNING,
            enrollment__cohort__program__status=ProgramStatus.PUBLISHED,
        )
        .values_list("enrollment__cohort_id", "module_id")
        .distinct()
    )
    pairs = []
    for cohort_id, module_id in waiting[:200]:
        cohort = Cohort.objects.select_related("program__community").get(pk=cohort_id)
        module = Module.objects.get(pk=module_id)
        in_review = ReviewAssignment.objects.filter(
            submission__module=module, submission__enrollment__cohort=cohort
        )
        if cohort.due_at(module) <= now or in_review.exists():
            pairs.append((cohort, module))
        if len(pairs) >= BATCH:
            break
    return pairs


def reviews_allocate_due(*, now: datetime) -> bool:
    """Worker unit: allocate reviewers once a module is due, and again for late submitters and releases."""
    busy = False
    for cohort, module in _due_pairs(now):
        try:
            reviews_allocate(module=module, cohort=cohort, now=now)
            busy = True
        except Exception:  # one broken cohort must not stop the worker
            log.exception("programs: allocation failed for cohort %s module %s", cohort.pk, module.pk)
    return busy


def reviews_release_overdue(*, now: datetime) -> bool:
    """Worker unit: take back reviews not started by their due time, so someone else gets them."""
    busy = False
    for assignment in ReviewAssignment.objects.overdue(now).order_by("due_at")[:50]:
        # Compare-and-set: a reviewer who opened it a moment ago keeps it; a second worker does nothing.
        won = ReviewAssignment.objects.overdue(now).filter(pk=assignment.pk).update(released_at=now)
        if won:
            Submission.objects.filter(pk=assignment.submission_id).update(allocated_at=None)
            busy = True
    return busy


def review_start(*, assignment: ReviewAssignment, actor: Any, now: datetime) -> ReviewAssignment:
    """The reviewer opened the review: from now on it is theirs and the submission is frozen."""
    if not access.can_review(actor, assignment):
        raise PermissionDenied(_("This review is not yours."))
    _require_calibrated(actor, assignment)
    if assignment.started_at is None:
        ReviewAssignment.objects.filter(pk=assignment.pk, started_at__isnull=True).update(started_at=now)
        assignment.refresh_from_db(fields=["started_at"])
    return assignment


def _require_calibrated(actor: Any, assignment: ReviewAssignment) -> None:
    submission = assignment.submission
    if access.must_calibrate(actor, submission.enrollment.cohort, submission.module):
        raise PermissionDenied(
            _("Review the calibration example first: your peer reviews of this module open after it.")
        )


def clean_scores(module: Module, scores: dict[Any, Any]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    missing = []
    for criterion in module.criteria.all():
        raw = scores.get(criterion.pk, scores.get(str(criterion.pk)))
        try:
            score = int(str(raw))
        except (TypeError, ValueError):
            missing.append(criterion.name)
            continue
        if score not in criterion.scores:
            missing.append(criterion.name)
            continue
        cleaned[str(criterion.pk)] = score
    if missing:
        raise ValidationError({"scores": _("Choose a level for: %(names)s.") % {"names": ", ".join(missing)}})
    return cleaned


def review_submit(
    *, assignment: ReviewAssignment, actor: Any, scores: dict[Any, Any], feedback: str, now: datetime
) -> Review:
    """Hand in a review: a level for every rubric criterion and written feedback. Tells the author."""
    if not access.can_review(actor, assignment):
        raise PermissionDenied(_("This review is not yours, or it was handed to someone else."))
    if assignment.is_done:
        raise ValidationError(_("You have already handed in this review."))
    _require_calibrated(actor, assignment)
    module = assignment.submission.module
    cleaned = clean_scores(module, scores)
    feedback = feedback.strip()
    if not feedback:
        raise ValidationError(
            {"feedback": _("Write a few lines of feedback: what worked, and one thing to try.")}
        )
    with transaction.atomic():
        review = Review(assignment=assignment, scores=cleaned, feedback=feedback, submitted_at=now)
        review.full_clean()
        review.save()
        assignment.completed_at = now
        assignment.started_at = assignment.started_at or now
        assignment.save(update_fields=["completed_at", "started_at"])
        _notify_received(assignment)
        events.emit("submission.reviewed", review, community_id=module.program.community_id, at=now)
    return review


def _notify_received(assignment: ReviewAssignment) -> None:
    submission = assignment.submission
    cohort = submission.enrollment.cohort
    url = reverse(
        "programs:feedback",
        kwargs={
            "community": cohort.program.community.slug,
            "cohort": cohort.pk,
            "module_id": submission.module_id,
        },
    )
    notify(
        recipient=submission.enrollment.user,
        kind="program.review_received",
        template="emails/program_review_received",
        context={"module": submission.module.title, "program": cohort.program.title},
        due_at=assignment.completed_at or assignment.assigned_at,
        dedupe_key=f"program.review_received:{assignment.pk}",
        url=url,
    )


def review_rate(*, review: Review, actor: Any, helpful: int, now: datetime) -> Review:
    """The author says how helpful a review was, 1 (not at all) to 5 (very)."""
    if review.assignment.submission.enrollment.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the author of the submission rates its reviews."))
    if helpful not in range(1, 6):
        raise ValidationError({"helpful": _("Choose from 1 to 5.")})
    review.helpful, review.rated_at = helpful, now
    review.save(update_fields=["helpful", "rated_at"])
    return review
