"""Reads for program pages: a learner's cohort, the gallery, review tasks, feedback and insights."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import batched
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from peerpact.programs import access
from peerpact.programs.models import (
    Applied,
    Calibration,
    CalibrationAttempt,
    Cohort,
    Enrollment,
    FollowUp,
    Module,
    ModuleView,
    Program,
    Review,
    ReviewAssignment,
    RubricCriterion,
    Submission,
    level_label,
)

INACTIVE_AFTER = timedelta(days=14)


def program_get(*, user: Any, community: Any, slug: str) -> Program | None:
    return access.programs_visible_to(user, community).filter(slug=slug).first()


def cohort_get(*, user: Any, community: Any, cohort_id: int) -> Cohort | None:
    """The cohort if it belongs to the community and the user has business with it; else None (404)."""
    cohort = (
        Cohort.objects.filter(pk=cohort_id, program__community=community)
        .select_related("program__community")
        .first()
    )
    if cohort is None or not access.can_view_cohort(user, cohort):
        return None
    return cohort


def cohorts_for_user(*, user: Any, program: Program) -> list[Cohort]:
    cohorts = list(program.cohorts.select_related("program__community"))
    return [cohort for cohort in cohorts if access.can_view_cohort(user, cohort)]


@dataclass
class ModuleStatus:
    module: Module
    due_at: datetime
    submission: Submission | None
    is_past_due: bool
    reviews_to_do: int = 0
    reviews_received: int = 0
    followup: FollowUp | None = None

    @property
    def state(self) -> str:
        if self.submission is not None:
            return "submitted"
        return "missed" if self.is_past_due else "open"


def cohort_overview(*, cohort: Cohort, user: Any, now: datetime) -> list[ModuleStatus]:
    """Each module of the cohort with its due time and, for a learner, where they stand."""
    modules = list(cohort.program.modules.all())
    enrollment = access.enrollment_of(user, cohort)
    mine: dict[int, Submission] = {}
    followups: dict[int, FollowUp] = {}
    received: dict[int, int] = defaultdict(int)
    to_do: dict[int, int] = defaultdict(int)
    if enrollment is not None:
        mine = {s.module_id: s for s in Submission.objects.filter(enrollment=enrollment)}
        followups = {f.module_id: f for f in FollowUp.objects.filter(enrollment=enrollment)}
        for module_id in ReviewAssignment.objects.filter(
            submission__enrollment=enrollment, completed_at__isnull=False
        ).values_list("submission__module_id", flat=True):
            received[module_id] += 1
    for module_id in (
        ReviewAssignment.objects.live()
        .filter(reviewer_id=user.pk, completed_at__isnull=True, submission__enrollment__cohort=cohort)
        .values_list("submission__module_id", flat=True)
    ):
        to_do[module_id] += 1
    return [
        ModuleStatus(
            module=m,
            due_at=cohort.due_at(m),
            submission=mine.get(m.pk),
            is_past_due=cohort.due_at(m) <= now,
            reviews_to_do=to_do[m.pk],
            reviews_received=received[m.pk],
            followup=followups.get(m.pk),
        )
        for m in modules
    ]


def gallery(*, cohort: Cohort, module: Module, exclude_user: Any = None) -> list[Submission]:
    """Peers' solutions for a module, highlights first."""
    submissions = (
        Submission.objects.filter(module=module, enrollment__cohort=cohort)
        .exclude(enrollment__state="dropped")
        .select_related("enrollment__user", "enrollment__circle", "highlight")
        .prefetch_related("attachments")
    )
    if exclude_user is not None:
        submissions = submissions.exclude(enrollment__user=exclude_user)
    rows = list(submissions)
    rows.sort(key=lambda s: (not hasattr(s, "highlight") or s.highlight is None, s.submitted_at))
    return rows


def has_highlight(submission: Submission) -> bool:
    try:
        return submission.highlight is not None
    except Submission.highlight.RelatedObjectDoesNotExist:
        return False


def review_tasks(*, cohort: Cohort, user: Any) -> QuerySet[ReviewAssignment]:
    return (
        ReviewAssignment.objects.live()
        .filter(reviewer=user, submission__enrollment__cohort=cohort)
        .select_related("submission__module", "review")
        .order_by("completed_at", "due_at", "pk")
    )


@dataclass
class CriterionResult:
    criterion: RubricCriterion
    median: float | None
    scores: list[int]

    @property
    def label(self) -> str:
        if self.median is None:
            return ""
        for level in self.criterion.levels:
            if level["score"] == self.median:
                return str(level["label"])
        return ""


@dataclass
class Feedback:
    submission: Submission | None
    criteria: list[CriterionResult] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    pending: int = 0


def median_scores(criteria: list[RubricCriterion], reviews: list[Review]) -> list[CriterionResult]:
    """Per criterion, the median of the reviews' scores (None when nobody scored it yet)."""
    results = []
    for criterion in criteria:
        scores = [int(r.scores[str(criterion.pk)]) for r in reviews if str(criterion.pk) in r.scores]
        median = statistics.median(scores) if scores else None
        if median is not None and float(median).is_integer():
            median = int(median)
        results.append(CriterionResult(criterion=criterion, median=median, scores=scores))
    return results


def feedback_for(*, cohort: Cohort, module: Module, user: Any) -> Feedback:
    enrollment = access.enrollment_of(user, cohort)
    submission = (
        Submission.objects.filter(enrollment=enrollment, module=module).first()
        if enrollment is not None
        else None
    )
    if submission is None:
        return Feedback(submission=None)
    reviews = list(
        Review.objects.filter(assignment__submission=submission)
        .select_related("assignment")
        .order_by("submitted_at")
    )
    pending = ReviewAssignment.objects.live().filter(submission=submission, completed_at__isnull=True).count()
    return Feedback(
        submission=submission,
        criteria=median_scores(list(module.criteria.all()), reviews),
        reviews=reviews,
        pending=pending,
    )


# --- Calibration -----------------------------------------------------------------------------------


@dataclass
class CalibrationRow:
    criterion: RubricCriterion
    mine: int | None
    reference: int | None

    @property
    def difference(self) -> int | None:
        """Signed: above zero when the learner scored higher than the reference."""
        if self.mine is None or self.reference is None:
            return None
        return self.mine - self.reference

    @property
    def mine_label(self) -> str:
        return level_label(self.criterion, self.mine)

    @property
    def reference_label(self) -> str:
        return level_label(self.criterion, self.reference)


def mean_absolute_difference(attempts: list[CalibrationAttempt], reference: dict[str, Any]) -> float | None:
    """Pooled over every criterion of every attempt; None when nothing can be compared."""
    differences = [d for a in attempts for d in a.differences(reference).values()]
    return round(statistics.mean(differences), 2) if differences else None


def calibration_comparison(*, calibration: Calibration, attempt: CalibrationAttempt) -> list[CalibrationRow]:
    """The learner's score next to the reference, per rubric criterion."""
    rows = []
    for criterion in calibration.module.criteria.all():
        key = str(criterion.pk)
        mine, reference = attempt.scores.get(key), calibration.reference_scores.get(key)
        rows.append(
            CalibrationRow(
                criterion=criterion,
                mine=None if mine is None else int(mine),
                reference=None if reference is None else int(reference),
            )
        )
    return rows


def calibration_attempt_of(*, calibration: Calibration | None, user: Any) -> CalibrationAttempt | None:
    if calibration is None or calibration.pk is None:
        return None
    enrollment = access.enrollment_of(user, calibration.cohort)
    if enrollment is None:
        return None
    return CalibrationAttempt.objects.filter(calibration=calibration, enrollment=enrollment).first()


# --- Insights --------------------------------------------------------------------------------------


@dataclass
class ModuleFigures:
    module: Module
    due_at: datetime
    is_due: bool
    enrolled: int
    viewed: int
    submitted: int
    submitted_on_time: int
    viewed_no_action: int  # the implementation gap, part 1
    missed: int
    followups_answered: int
    applied_yes: int
    applied_partly: int
    applied_no: int  # the implementation gap, part 2: submitted but reported not applying
    reviews_assigned: int
    reviews_done: int
    submissions_with_feedback: int
    median_hours_to_feedback: float | None
    helpful_average: float | None
    calibration: str = "off"  # off / no_reference / on (see calibration_state)
    calibrated: int = 0
    calibration_mean_difference: float | None = None

    @property
    def completion_percent(self) -> int:
        return round(100 * self.submitted / self.enrolled) if self.enrolled else 0


@dataclass
class LearnerRow:
    enrollment: Enrollment
    submitted: int
    missed: int
    reviews_done: int
    reviews_received: int
    last_active_at: datetime | None
    applied: dict[int, str]
    statuses: dict[int, str]  # module id -> submitted / late / missed / open
    calibration_difference: float | None = None  # mean absolute difference to the reference, all modules
    calibration_by_module: dict[int, float | None] = field(default_factory=dict)

    @property
    def risk(self) -> str:
        inactive = self.inactive
        if self.missed >= 2 or (self.missed >= 1 and inactive):
            return "high"
        if self.missed == 1 or inactive:
            return "medium"
        return "low"

    inactive: bool = False


@dataclass
class Insights:
    cohort: Cohort
    modules: list[ModuleFigures]
    learners: list[LearnerRow]
    dropped: int = 0

    @property
    def at_risk(self) -> list[LearnerRow]:
        return [row for row in self.learners if row.risk != "low"]


def cohort_insights(*, cohort: Cohort, now: datetime) -> Insights:
    """Completion, drop-out risk, the implementation gap, reviews and time to feedback. Fixed query count."""
    modules = list(cohort.program.modules.all())
    enrollments = list(
        cohort.enrollments.exclude(state="dropped")
        .select_related("user", "circle")
        .order_by("user__display_name", "pk")
    )
    dropped = cohort.enrollments.filter(state="dropped").count()
    ids = [e.pk for e in enrollments]
    views = defaultdict(set)
    last_seen: dict[int, datetime] = {}

    def seen(enrollment_id: int, at: datetime | None) -> None:
        if at is not None and (enrollment_id not in last_seen or at > last_seen[enrollment_id]):
            last_seen[enrollment_id] = at

    for view in ModuleView.objects.filter(enrollment_id__in=ids):
        views[view.module_id].add(view.enrollment_id)
        seen(view.enrollment_id, view.first_viewed_at)
    submissions = list(Submission.objects.filter(enrollment_id__in=ids))
    by_module: dict[int, dict[int, Submission]] = defaultdict(dict)
    for s in submissions:
        by_module[s.module_id][s.enrollment_id] = s
        seen(s.enrollment_id, s.updated_at)
    assignments = list(
        ReviewAssignment.objects.live()
        .filter(submission__enrollment__cohort=cohort)
        .select_related("submission", "review")
    )
    user_to_enrollment = {e.user_id: e.pk for e in enrollments}
    reviews_done: dict[int, int] = defaultdict(int)
    reviews_received: dict[int, int] = defaultdict(int)
    for a in assignments:
        if a.completed_at is not None:
            reviewer_enrollment = user_to_enrollment.get(a.reviewer_id)
            if reviewer_enrollment is not None:
                reviews_done[reviewer_enrollment] += 1
                seen(reviewer_enrollment, a.completed_at)
            reviews_received[a.submission.enrollment_id] += 1
    followups = list(FollowUp.objects.filter(enrollment_id__in=ids))
    applied: dict[int, dict[int, str]] = defaultdict(dict)
    for f in followups:
        if f.answered_at is not None:
            applied[f.enrollment_id][f.module_id] = f.applied
            seen(f.enrollment_id, f.answered_at)
    calibrations = {c.module_id: c for c in Calibration.objects.filter(cohort=cohort)}
    by_calibration: dict[int, list[CalibrationAttempt]] = defaultdict(list)
    by_learner: dict[int, list[tuple[CalibrationAttempt, Calibration]]] = defaultdict(list)
    by_pk = {c.pk: c for c in calibrations.values()}
    for attempt in CalibrationAttempt.objects.filter(calibration__cohort=cohort, enrollment_id__in=ids):
        by_calibration[attempt.calibration_id].append(attempt)
        by_learner[attempt.enrollment_id].append((attempt, by_pk[attempt.calibration_id]))
        seen(attempt.enrollment_id, attempt.submitted_at)

    figures = []
    for m in modules:
        due_at = cohort.due_at(m)
        subs = by_module[m.pk]
        module_assignments = [a for a in assignments if a.submission.module_id == m.pk]
        first_feedback: dict[int, datetime] = {}
        for a in module_assignments:
            if a.completed_at is not None:
                current = first_feedback.get(a.submission_id)
                if current is None or a.completed_at < current:
                    first_feedback[a.submission_id] = a.completed_at
        waits = [
            (first_feedback[s.pk] - s.submitted_at).total_seconds() / 3600
            for s in subs.values()
            if s.pk in first_feedback
        ]
        ratings = [a.review.helpful for a in module_assignments if a.completed_at and a.review.helpful]
        answers = [f for f in followups if f.module_id == m.pk and f.answered_at is not None]
        figures.append(
            ModuleFigures(
                module=m,
                due_at=due_at,
                is_due=due_at <= now,
                enrolled=len(enrollments),
                viewed=len(views[m.pk]),
                submitted=len(subs),
                submitted_on_time=sum(1 for s in subs.values() if s.submitted_at <= due_at),
                viewed_no_action=len(views[m.pk] - set(subs)),
                missed=(len(enrollments) - len(subs)) if due_at <= now else 0,
                followups_answered=len(answers),
                applied_yes=sum(1 for f in answers if f.applied == Applied.YES),
                applied_partly=sum(1 for f in answers if f.applied == Applied.PARTLY),
                applied_no=sum(1 for f in answers if f.applied == Applied.NO),
                reviews_assigned=len(module_assignments),
                reviews_done=sum(1 for a in module_assignments if a.completed_at is not None),
                submissions_with_feedback=len(first_feedback),
                median_hours_to_feedback=round(statistics.median(waits), 1) if waits else None,
                helpful_average=round(statistics.mean(ratings), 1) if ratings else None,
                **_calibration_figures(calibrations.get(m.pk), by_calibration),
            )
        )

    due = {m.pk: cohort.due_at(m) for m in modules}
    learners = [
        _learner_row(
            e,
            modules=modules,
            due=due,
            now=now,
            submitted_at={m.pk: mine.submitted_at for m in modules if (mine := by_module[m.pk].get(e.pk))},
            last=last_seen.get(e.pk),
            reviews_done=reviews_done[e.pk],
            reviews_received=reviews_received[e.pk],
            applied=applied[e.pk],
            calibrated=by_learner[e.pk],
        )
        for e in enrollments
    ]
    return Insights(cohort=cohort, modules=figures, learners=learners, dropped=dropped)


def _learner_row(
    e: Enrollment,
    *,
    modules: list[Module],
    due: dict[int, datetime],
    now: datetime,
    submitted_at: dict[int, datetime],
    last: datetime | None,
    reviews_done: int,
    reviews_received: int,
    applied: dict[int, str],
    calibrated: list[tuple[CalibrationAttempt, Calibration]],
) -> LearnerRow:
    """One learner's figures from what was read about them (shared by the page and the CSV)."""
    statuses: dict[int, str] = {}
    for m in modules:
        mine = submitted_at.get(m.pk)
        if mine is not None:
            statuses[m.pk] = "submitted" if mine <= due[m.pk] else "late"
        else:
            statuses[m.pk] = "missed" if due[m.pk] <= now else "open"
    started = now - e.enrolled_at >= INACTIVE_AFTER
    differences = [d for a, c in calibrated for d in a.differences(c.reference_scores).values()]
    return LearnerRow(
        enrollment=e,
        submitted=sum(1 for v in statuses.values() if v in ("submitted", "late")),
        missed=sum(1 for v in statuses.values() if v == "missed"),
        reviews_done=reviews_done,
        reviews_received=reviews_received,
        last_active_at=last,
        applied=applied,
        statuses=statuses,
        inactive=started and (last is None or now - last > INACTIVE_AFTER),
        calibration_difference=round(statistics.mean(differences), 2) if differences else None,
        calibration_by_module={
            c.module_id: mean_absolute_difference([a], c.reference_scores) for a, c in calibrated
        },
    )


# Learner x module rows per batch of the streamed CSV: memory stays flat, queries grow per batch only.
CSV_BATCH_ROWS = 2000


def cohort_learners_streamed(
    *, cohort: Cohort, now: datetime, modules: list[Module], batch_rows: int | None = None
) -> Iterator[tuple[LearnerRow, set[int]]]:
    """cohort_insights()'s learners, the same figures and order, with the modules each has viewed;
    read in batches of learners (about `batch_rows` learner x module rows, six queries each)."""
    due = {m.pk: cohort.due_at(m) for m in modules}
    calibrations = {c.pk: c for c in Calibration.objects.filter(cohort=cohort)}
    size = max(1, (batch_rows or CSV_BATCH_ROWS) // max(1, len(modules)))
    enrollments = (
        cohort.enrollments.exclude(state="dropped")
        .select_related("user", "circle")
        .order_by("user__display_name", "pk")
        .iterator(chunk_size=size)  # no more learners fetched than one batch holds
    )
    for batch in batched(enrollments, size):
        yield from _learner_batch(cohort, list(batch), modules, due, now, calibrations)


def _learner_batch(
    cohort: Cohort,
    enrollments: list[Enrollment],
    modules: list[Module],
    due: dict[int, datetime],
    now: datetime,
    calibrations: dict[int, Calibration],
) -> Iterator[tuple[LearnerRow, set[int]]]:
    ids = [e.pk for e in enrollments]
    by_user = {e.user_id: e.pk for e in enrollments}
    last_seen: dict[int, datetime] = {}

    def seen(enrollment_id: int, at: datetime | None) -> None:
        if at is not None and (enrollment_id not in last_seen or at > last_seen[enrollment_id]):
            last_seen[enrollment_id] = at

    viewed: dict[int, set[int]] = defaultdict(set)
    for enrollment_id, module_id, at in ModuleView.objects.filter(enrollment_id__in=ids).values_list(
        "enrollment_id", "module_id", "first_viewed_at"
    ):
        viewed[enrollment_id].add(module_id)
        seen(enrollment_id, at)
    submitted_at: dict[int, dict[int, datetime]] = defaultdict(dict)
    submissions = Submission.objects.filter(enrollment_id__in=ids)
    for enrollment_id, module_id, sent_at, updated_at in submissions.values_list(
        "enrollment_id", "module_id", "submitted_at", "updated_at"
    ):
        submitted_at[enrollment_id][module_id] = sent_at
        seen(enrollment_id, updated_at)
    done = ReviewAssignment.objects.live().filter(completed_at__isnull=False)
    reviews_done: dict[int, int] = defaultdict(int)
    for reviewer_id, completed_at in done.filter(
        submission__enrollment__cohort=cohort, reviewer_id__in=list(by_user)
    ).values_list("reviewer_id", "completed_at"):
        reviews_done[by_user[reviewer_id]] += 1
        seen(by_user[reviewer_id], completed_at)
    reviews_received: dict[int, int] = dict(
        done.filter(submission__enrollment_id__in=ids)
        .values("submission__enrollment_id")
        .annotate(n=Count("pk"))
        .values_list("submission__enrollment_id", "n")
    )
    applied: dict[int, dict[int, str]] = defaultdict(dict)
    for enrollment_id, module_id, answer, answered_at in FollowUp.objects.filter(
        enrollment_id__in=ids, answered_at__isnull=False
    ).values_list("enrollment_id", "module_id", "applied", "answered_at"):
        applied[enrollment_id][module_id] = answer
        seen(enrollment_id, answered_at)
    calibrated: dict[int, list[tuple[CalibrationAttempt, Calibration]]] = defaultdict(list)
    for attempt in CalibrationAttempt.objects.filter(calibration__cohort=cohort, enrollment_id__in=ids):
        calibrated[attempt.enrollment_id].append((attempt, calibrations[attempt.calibration_id]))
        seen(attempt.enrollment_id, attempt.submitted_at)
    for e in enrollments:
        row = _learner_row(
            e,
            modules=modules,
            due=due,
            now=now,
            submitted_at=submitted_at[e.pk],
            last=last_seen.get(e.pk),
            reviews_done=reviews_done[e.pk],
            reviews_received=reviews_received.get(e.pk, 0),
            applied=applied[e.pk],
            calibrated=calibrated[e.pk],
        )
        yield row, viewed[e.pk]


def calibration_state(calibration: Calibration | None) -> str:
    """off; no_reference (on, but nothing locks until a lead reviews the example); on (active)."""
    if calibration is None or not calibration.is_on:
        return "off"
    return "on" if calibration.is_active else "no_reference"


def _calibration_figures(
    calibration: Calibration | None, by_calibration: dict[int, list[CalibrationAttempt]]
) -> dict[str, Any]:
    if calibration is None:
        return {}
    attempts = by_calibration.get(calibration.pk, [])
    return {
        "calibration": calibration_state(calibration),
        "calibrated": len(attempts),
        "calibration_mean_difference": mean_absolute_difference(attempts, calibration.reference_scores),
    }


def prefetch_modules(program: Program) -> QuerySet[Module]:
    return program.modules.prefetch_related(Prefetch("criteria"))
