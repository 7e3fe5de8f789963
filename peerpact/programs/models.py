"""Learning programs: modules that end in an action, cohorts, submissions and peer review."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.circles.models import Circle
from peerpact.communities.models import Community
from peerpact.lib.timezones import timezone_choices

REVIEWS_K_MAX = 5


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Program(models.Model):
    """A learning program of a community: ordered modules, each ending in an action challenge."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="programs")
    title = models.CharField(_("title"), max_length=160)
    slug = models.SlugField(_("address"), max_length=60)
    description = models.TextField(
        _("description"), blank=True, max_length=8000, help_text=_("Markdown is supported.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    duplicated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="program_slug_unique_in_community")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ProgramStatus.PUBLISHED


class Module(models.Model):
    """One step of a program: content to learn, then an action challenge to apply it."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("title"), max_length=160)
    content = models.TextField(_("content"), blank=True, max_length=40000, help_text=_("Markdown."))
    video_url = models.URLField(
        _("video link"),
        blank=True,
        help_text=_("Optional. A link to a video that goes with this module."),
    )
    video_title = models.CharField(_("video title"), max_length=160, blank=True)
    action_challenge = models.TextField(
        _("action challenge"),
        max_length=4000,
        help_text=_("What will learners do with this? Something they can try within the module's time."),
    )
    due_days = models.PositiveSmallIntegerField(
        _("due (days after the cohort starts)"), default=7, validators=[MaxValueValidator(730)]
    )
    reviews_k = models.PositiveSmallIntegerField(
        _("peer reviews per submission"),
        default=2,
        validators=[MaxValueValidator(REVIEWS_K_MAX)],
        help_text=_("0 switches peer review off for this module."),
    )
    separate_circles = models.BooleanField(
        _("reviewers from other circles"),
        default=False,
        help_text=_("Peers review people outside their own huddle when the cohort allows it."),
    )
    review_days = models.PositiveSmallIntegerField(
        _("days to finish a review"), default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    followup_weeks = models.PositiveSmallIntegerField(
        _("follow-up after (weeks)"),
        default=3,
        validators=[MaxValueValidator(26)],
        help_text=_("Learners are asked whether they applied the module. 0 switches it off."),
    )
    calibration_example = models.TextField(
        _("calibration example"),
        blank=True,
        max_length=8000,
        help_text=_(
            "Optional: an example submission for the calibration round. Each cohort's facilitators start "
            "from this text and can change it for their cohort."
        ),
    )
    calibration_review = models.TextField(
        _("facilitator's review of the example"),
        blank=True,
        max_length=8000,
        help_text=_("Optional: a starting point for the explanation of the reference review."),
    )

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["program", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class RubricCriterion(models.Model):
    """One row of a module's rubric: a criterion and its levels [{score, label, description}]."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(_("criterion"), max_length=120)
    levels = models.JSONField(_("levels"), default=list)

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["module", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def scores(self) -> list[int]:
        return [int(level["score"]) for level in self.levels]


class CohortStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class Cohort(models.Model):
    """One run of a program, with dates, its huddles (circles) and its enrolled learners."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(_("name"), max_length=120)
    starts_on = models.DateField(_("starts on"))
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", choices=timezone_choices)
    status = models.CharField(
        _("status"), max_length=10, choices=CohortStatus.choices, default=CohortStatus.RUNNING
    )
    huddles = models.ManyToManyField(
        Circle, blank=True, related_name="program_cohorts", verbose_name=_("huddles (circles)")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-starts_on", "pk"]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def due_on(self, module: Module) -> date:
        return self.starts_on + timedelta(days=module.due_days)

    def due_at(self, module: Module) -> datetime:
        """The end of the module's due day in the cohort's zone (midnight after it)."""
        return datetime.combine(self.due_on(module) + timedelta(days=1), time.min, tzinfo=self.zone)

    def followup_at(self, module: Module) -> datetime:
        return self.due_at(module) + timedelta(weeks=module.followup_weeks)


class EnrollmentState(models.TextChoices):
    ACTIVE = "active", _("Active")
    DROPPED = "dropped", _("Dropped")
    COMPLETED = "completed", _("Completed")


class Enrollment(models.Model):
    """A learner in a cohort, going through it with their huddle (circle), if any."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_enrollments"
    )
    circle = models.ForeignKey(
        Circle, on_delete=models.SET_NULL, null=True, blank=True, related_name="program_enrollments"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=EnrollmentState.choices, default=EnrollmentState.ACTIVE
    )
    enrolled_at = models.DateTimeField()
    state_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["cohort", "user__display_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="enrolled_once_per_cohort")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"

    @property
    def is_active(self) -> bool:
        return self.state == EnrollmentState.ACTIVE


class ModuleView(models.Model):
    """When a learner first opened a module (the "viewed but did nothing" side of the gap)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="views")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("module view")
        verbose_name_plural = _("module views")
        constraints = [models.UniqueConstraint(fields=["enrollment", "module"], name="module_viewed_once")]

    def __str__(self) -> str:
        return f"{self.enrollment_id} viewed {self.module_id}"


class Submission(models.Model):
    """What a learner did for a module's action challenge. Editable until a review of it starts."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="submissions")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="submissions")
    text = models.TextField(_("what you did"), max_length=8000)
    links = models.JSONField(_("links"), default=list, blank=True)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    # Null: the allocation unit should (re)consider this submission once the module is due.
    allocated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "module"], name="one_submission_per_module")
        ]
        # Read by reviews_allocate_due (worker).
        indexes = [models.Index(fields=["allocated_at"], name="submission_to_allocate")]

    def __str__(self) -> str:
        return f"{self.enrollment.user} · {self.module}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """A random name (keeps only a known extension): nobody can guess another person's file."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"programs/{secrets.token_urlsafe(24)}{suffix}"


class Attachment(models.Model):
    """A file of a submission; stored under a random name, served only through an access-checked view."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class AssignmentQuerySet(models.QuerySet["ReviewAssignment"]):
    def live(self) -> AssignmentQuerySet:
        """Not released: still counts toward the submission's k reviews."""
        return self.filter(released_at__isnull=True)

    def overdue(self, now: datetime) -> AssignmentQuerySet:
        """Not started, not done, past due: the release unit takes these back."""
        return self.filter(
            released_at__isnull=True, started_at__isnull=True, completed_at__isnull=True, due_at__lt=now
        )


class ReviewAssignment(models.Model):
    """A reviewer asked to review one submission, by a due time. Released when not started in time."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_review_assignments"
    )
    assigned_at = models.DateTimeField()
    due_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    is_fallback = models.BooleanField(default=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "reviewer"],
                condition=Q(released_at__isnull=True),
                name="one_live_assignment_per_pair",
            )
        ]
        # Read by reviews_release_overdue (worker).
        indexes = [models.Index(fields=["released_at", "completed_at", "due_at"], name="assignment_due")]

    def __str__(self) -> str:
        return f"{self.reviewer} reviews {self.submission}"

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    @property
    def is_live(self) -> bool:
        return self.released_at is None


class Review(models.Model):
    """A finished review: a score per rubric criterion, written feedback, and the author's rating of it."""

    assignment = models.OneToOneField(ReviewAssignment, on_delete=models.CASCADE, related_name="review")
    scores = models.JSONField(default=dict)  # {criterion_id (str): score}
    feedback = models.TextField(_("feedback"), max_length=6000)
    submitted_at = models.DateTimeField()
    helpful = models.PositiveSmallIntegerField(
        _("how helpful"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(helpful__isnull=True) | Q(helpful__gte=1, helpful__lte=5),
                name="review_helpful_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"review of {self.assignment.submission}"


class Highlight(models.Model):
    """A submission the facilitator picked for the module's gallery."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="highlight")
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("why it stands out"), max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("highlight")
        verbose_name_plural = _("highlights")

    def __str__(self) -> str:
        return f"highlight {self.submission_id}"


class Applied(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("Not yet")


class FollowUp(models.Model):
    """Weeks after a module: did the learner apply it, and how? Can become a commitment."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="followups")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="followups")
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    applied = models.CharField(_("did you apply it?"), max_length=10, choices=Applied.choices, blank=True)
    how = models.TextField(_("how"), blank=True, max_length=4000)
    turned_into_commitment = models.BooleanField(default=False)
    commitment = models.ForeignKey(
        "goals.Commitment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "module"], name="one_followup_per_module")
        ]

    def __str__(self) -> str:
        return f"follow-up {self.module} · {self.enrollment.user}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class Calibration(models.Model):
    """A cohort's calibration round for one module: an example submission and the reference review of it.

    The round is active (it locks a learner's peer reviews of the module until they have calibrated)
    only when it is switched on and a facilitator or organizer has written the reference review.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="calibrations")
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="calibrations")
    is_on = models.BooleanField(
        _("calibration round before peer review"),
        default=False,
        help_text=_("Learners review the example with the rubric and compare with the reference first."),
    )
    example = models.TextField(
        _("example submission"),
        blank=True,
        max_length=8000,
        help_text=_("Write or paste an example of what a learner might share for this module."),
    )
    reference_scores = models.JSONField(default=dict, blank=True)  # {criterion_id (str): score}
    reference_explanation = models.TextField(_("why these scores"), blank=True, max_length=4000)
    reference_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("calibration")
        verbose_name_plural = _("calibrations")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "module"], name="one_calibration_per_cohort_module")
        ]

    def __str__(self) -> str:
        return f"calibration {self.module} · {self.cohort}"

    @property
    def has_reference(self) -> bool:
        return self.reference_at is not None

    @property
    def is_active(self) -> bool:
        """On, with an example and a reference review: learners must calibrate before reviewing."""
        return self.is_on and bool(self.example) and self.has_reference


class CalibrationAttempt(models.Model):
    """A learner's review of the calibration example with the rubric; one per learner and round."""

    calibration = models.ForeignKey(Calibration, on_delete=models.CASCADE, related_name="attempts")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="calibration_attempts")
    scores = models.JSONField(default=dict)  # {criterion_id (str): score}
    submitted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("calibration attempt")
        verbose_name_plural = _("calibration attempts")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["calibration", "enrollment"], name="one_calibration_per_learner")
        ]

    def __str__(self) -> str:
        return f"calibration {self.calibration_id} · enrollment {self.enrollment_id}"

    def differences(self, reference: dict[str, Any]) -> dict[str, int]:
        """Per criterion scored by both: |learner - reference|."""
        return {
            key: abs(int(score) - int(reference[key]))
            for key, score in self.scores.items()
            if key in reference
        }


def level_label(criterion: RubricCriterion, score: Any) -> str:
    for level in criterion.levels:
        if str(level.get("score")) == str(score):
            return str(level.get("label", ""))
    return ""
