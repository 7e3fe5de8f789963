from __future__ import annotations

from datetime import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle, Membership

# The fixed pulse questions: (field name, question). Answers are 1 (disagree) to 5 (agree).
PULSE_QUESTIONS = (
    ("safe", _("I feel safe being honest here")),
    ("checkins", _("Our check-ins help me make progress")),
    ("feedback", _("Feedback I get is useful")),
    ("rhythm", _("The rhythm works for me")),
)
PULSE_OPEN_QUESTION = _("What one thing would make this circle work better?")
SCALE = (1, 2, 3, 4, 5)


class Pulse(models.Model):
    """A short retrospective survey of a circle, opened when every Nth cycle's deadline passes."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="pulses")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pulse")
        verbose_name_plural = _("pulses")
        ordering = ["-opens_at"]
        constraints = [
            # Also the claim: two workers opening the same pulse create one row.
            models.UniqueConstraint(fields=["circle", "cycle"], name="one_pulse_per_cycle"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="pulse_closes_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.circle} pulse after cycle {self.cycle_id}"

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def _score() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])


class PulseAnswer(models.Model):
    """One member's answers to one pulse. Never shown per person: see selectors.pulse_results.

    `membership` exists only so a member answers once and can change their answers while the pulse is
    open; no page, export, notification or admin list shows it next to the answers.
    """

    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="answers")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    safe = _score()
    checkins = _score()
    feedback = _score()
    rhythm = _score()
    open_answer = models.TextField(blank=True, max_length=2000)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pulse answer")
        verbose_name_plural = _("pulse answers")
        constraints = [
            models.UniqueConstraint(fields=["pulse", "membership"], name="one_pulse_answer_per_member"),
            models.CheckConstraint(
                condition=Q(safe__gte=1, safe__lte=5)
                & Q(checkins__gte=1, checkins__lte=5)
                & Q(feedback__gte=1, feedback__lte=5)
                & Q(rhythm__gte=1, rhythm__lte=5),
                name="pulse_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"answer to pulse {self.pulse_id}"  # no person: this string shows in the admin


class Resolution(models.TextChoices):
    RETURNED = "returned", _("Checked in again")
    PAUSED = "paused", _("Paused")
    LEFT = "left", _("Left the circle")


class Step(models.IntegerChoices):
    NUDGE = 1, _("A private nudge to the member")
    PEER = 2, _("A peer asked to check in on them")
    ORGANIZER = 3, _("The facilitator and organizers told")


class CaseQuerySet(models.QuerySet["ReengagementCase"]):
    def open(self) -> CaseQuerySet:
        return self.filter(resolved_at__isnull=True)


class ReengagementCase(models.Model):
    """A member who missed two cycles in a row, and how far the gentle ladder back has gone."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="reengagement_cases")
    started_cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="+")
    step = models.PositiveSmallIntegerField(choices=Step.choices, default=Step.NUDGE)
    step_at = models.DateTimeField()
    # The latest finished cycle the ladder has looked at: a miss after it moves the ladder on.
    last_cycle_index = models.PositiveIntegerField()
    peer = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-engagement case")
        verbose_name_plural = _("re-engagement cases")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(resolved_at__isnull=True), name="one_open_case_per_member"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="")
                | Q(resolved_at__isnull=False) & ~Q(resolution=""),
                name="case_resolution_with_time",
            ),
        ]
        # Read by reengagement_advance (worker): open cases, and step 1 cases waiting 7 days.
        indexes = [models.Index(fields=["resolved_at", "step", "step_at"])]

    def __str__(self) -> str:
        return f"case {self.pk} (step {self.step})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class LadderScan(models.Model):
    """Marks a cycle whose grace period end the ladder has already looked at (the worker's claim)."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="+")
    scanned_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ladder scan")
        verbose_name_plural = _("ladder scans")

    def __str__(self) -> str:
        return f"scan of cycle {self.cycle_id}"
