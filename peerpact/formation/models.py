"""Circle formation: an intake (form + pool of applicants), solver runs, and the organizer's proposal.

The solver itself is pure Python in `scoring.py` / `solver.py`; this module only stores what it needs
and what it returned.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.communities.models import Community
from peerpact.lib.timezones import timezone_choices

MAX_QUESTIONS = 20
MAX_OPTIONS = 30


def new_intake_token() -> str:
    return secrets.token_urlsafe(18)


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed")
    APPLIED = "applied", _("Circles created")


class Intake(models.Model):
    """An organizer's call for applicants to be formed into circles, with the solver's settings."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="intakes")
    cohort = models.ForeignKey(
        "programs.Cohort",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="intakes",
        verbose_name=_("program cohort"),
        help_text=_("Form the huddles of a cohort: circles are added to it and applicants enrolled."),
    )
    title = models.CharField(_("title"), max_length=120)
    welcome = models.TextField(
        _("welcome text"),
        blank=True,
        max_length=4000,
        help_text=_("What applicants read before the questions. Markdown is supported."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT
    )
    token = models.CharField(max_length=40, unique=True, default=new_intake_token, editable=False)
    closes_at = models.DateTimeField(
        _("closes"),
        null=True,
        blank=True,
        help_text=_("Applicants can change their answers until then. Leave empty to close by hand."),
    )
    # Built-in questions: the options applicants choose from.
    stage_labels = models.JSONField(_("stages"), default=list, blank=True)
    intention_options = models.JSONField(_("intentions"), default=list, blank=True)
    skill_options = models.JSONField(_("skills"), default=list, blank=True)
    language_options = models.JSONField(_("languages"), default=list, blank=True)
    # Solver settings.
    size_min = models.PositiveSmallIntegerField(
        _("smallest circle"), default=4, validators=[MinValueValidator(2), MaxValueValidator(12)]
    )
    size_max = models.PositiveSmallIntegerField(
        _("largest circle"), default=6, validators=[MinValueValidator(2), MaxValueValidator(12)]
    )
    min_common_hours = models.PositiveSmallIntegerField(
        _("shared hours a week, at least"),
        default=2,
        validators=[MaxValueValidator(40)],
        help_text=_("Every circle must have this many hours a week when all its members are available."),
    )
    require_common_language = models.BooleanField(_("every circle shares a language"), default=True)
    weight_stage = models.FloatField(
        _("weight: similar stage"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    weight_intentions = models.FloatField(
        _("weight: shared intentions"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    weight_skills = models.FloatField(
        _("weight: complementary skills"),
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    weight_with = models.FloatField(
        _("weight: “want to be with” requests"),
        default=1.0,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    # The organizer's working proposal: {"circles": [{"name", "members": [application ids], "locked"}],
    # "run": run id or None}. Edited under select_for_update, versioned against lost updates.
    proposal = models.JSONField(default=dict, blank=True)
    proposal_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(size_min__lte=models.F("size_max")), name="intake_size_bounds")
        ]

    def __str__(self) -> str:
        return self.title

    def accepts_answers(self, now: datetime) -> bool:
        """Applicants may apply or change their answers."""
        return self.status == IntakeStatus.OPEN and (self.closes_at is None or now < self.closes_at)

    @property
    def is_applied(self) -> bool:
        return self.status == IntakeStatus.APPLIED

    @property
    def proposed_circles(self) -> list[dict[str, Any]]:
        return list((self.proposal or {}).get("circles", []))


class QuestionKind(models.TextChoices):
    CHOICE = "choice", _("One choice")
    MULTI = "multi", _("Several choices")
    SCALE = "scale", _("Scale")
    IDENTITY = "identity", _("Private self-identification")


class Direction(models.TextChoices):
    SIMILAR = "similar", _("Group similar answers")
    DIFFERENT = "different", _("Mix different answers")
    IGNORE = "ignore", _("Ignore (just ask)")


class IntakeQuestion(models.Model):
    """An organizer's own question. Identity questions are private: only the solver reads the answers,
    to make sure no circle has exactly one member of a group the organizer chose to protect."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    prompt = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    protected_options = models.JSONField(
        _("protected groups"),
        default=list,
        blank=True,
        help_text=_("Identity options whose members are never left alone in a circle."),
    )
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=5)
    scale_min_label = models.CharField(_("label of the lowest value"), max_length=60, blank=True)
    scale_max_label = models.CharField(_("label of the highest value"), max_length=60, blank=True)
    weight = models.FloatField(
        _("weight"), default=1.0, validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.SIMILAR
    )
    required = models.BooleanField(_("answer required"), default=False)

    class Meta:
        verbose_name = _("intake question")
        verbose_name_plural = _("intake questions")
        ordering = ["intake", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_min__lt=models.F("scale_max")), name="question_scale_range"
            ),
            models.CheckConstraint(
                condition=~Q(kind="identity") | Q(required=False), name="identity_question_optional"
            ),
        ]

    def __str__(self) -> str:
        return self.prompt

    @property
    def is_identity(self) -> bool:
        return self.kind == QuestionKind.IDENTITY

    @property
    def key(self) -> str:
        """The key of this question's answer in `Application.answers` / `Application.identity`."""
        return str(self.pk)


class ApplicationQuerySet(models.QuerySet["Application"]):
    def active(self) -> ApplicationQuerySet:
        return self.filter(withdrawn_at__isnull=True)


class Application(models.Model):
    """One applicant's answers. `availability` holds weekly hours in the applicant's own zone
    (0 = Monday 00:00 local … 167 = Sunday 23:00 local). `identity` is private: no page shows it."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="applications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", choices=timezone_choices)
    availability = models.JSONField(_("weekly availability"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    stage = models.PositiveSmallIntegerField(_("stage"), default=0)
    intentions = models.JSONField(_("intentions"), default=list, blank=True)
    skills_have = models.JSONField(_("skills you bring"), default=list, blank=True)
    skills_want = models.JSONField(_("skills you want to grow"), default=list, blank=True)
    preferred_size = models.PositiveSmallIntegerField(_("preferred circle size"), null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    identity = models.JSONField(default=dict, blank=True)
    with_emails = models.JSONField(_("want to be with"), default=list, blank=True)
    not_with_emails = models.JSONField(_("rather not be with"), default=list, blank=True)
    note = models.TextField(_("anything else for the organizers"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["intake", "created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["intake", "user"], name="one_application_per_intake")]

    def __str__(self) -> str:
        return f"{self.user} → {self.intake}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FormationRun(models.Model):
    """One solver run over an intake's pool, done by the worker; its result becomes the proposal."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    seed = models.PositiveIntegerField(default=0)
    locked = models.JSONField(default=list, blank=True)  # [{"name", "members": [application ids]}]
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # last progress report of the worker
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("formation run")
        verbose_name_plural = _("formation runs")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.intake} run {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)

    @property
    def error_message(self) -> str:
        """Why the run failed, in the viewer's language (technical details kept as they are)."""
        if not self.error:
            return ""
        if self.error == "worker_lost":
            return str(
                _(
                    "The worker stopped during this run twice. "
                    "Try again, with fewer applicants, or ask an admin."
                )
            )
        return str(_("The solver stopped with an error: %(detail)s")) % {"detail": self.error}
