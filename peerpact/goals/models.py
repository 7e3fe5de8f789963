from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.circles.models import Membership


class Direction(models.TextChoices):
    INCREASE = "increase", _("Increase to the target")
    DECREASE = "decrease", _("Decrease to the target")
    DONE = "done", _("Done or not done")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    PAUSED = "paused", _("Paused")
    ABANDONED = "abandoned", _("Abandoned")


class GoalVisibility(models.TextChoices):
    CIRCLE = "circle", _("My circle")
    PRIVATE = "private", _("Only me (and organizers)")


class Goal(models.Model):
    """A member's goal in a circle, with a measure and a target."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(_("goal"), max_length=160)
    why = models.TextField(_("why it matters"), blank=True, max_length=2000)
    direction = models.CharField(
        _("measure"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    unit = models.CharField(
        _("unit"), max_length=30, blank=True, help_text=_("For example: pages, km, applications.")
    )
    baseline = models.DecimalField(_("starting value"), max_digits=12, decimal_places=2, default=Decimal(0))
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2, null=True, blank=True)
    starts_on = models.DateField(_("start date"), default=date.today)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    visibility = models.CharField(
        _("who can see it"), max_length=10, choices=GoalVisibility.choices, default=GoalVisibility.CIRCLE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    achieved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["status", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction="done") | Q(target__isnull=False), name="measured_goal_has_target"
            ),
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__gte=models.F("starts_on")),
                name="goal_due_after_start",
            ),
        ]
        indexes = [models.Index(fields=["membership", "status"])]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: date) -> bool:
        return self.status == GoalStatus.ACTIVE and self.due_on is not None and self.due_on < today

    def progress_ratio(self, value: Decimal | None) -> float | None:
        """How far `value` is from the baseline toward the target, 0..1 (None when unmeasurable)."""
        if self.direction == Direction.DONE:
            return 1.0 if self.status == GoalStatus.ACHIEVED else 0.0
        if value is None or self.target is None or self.target == self.baseline:
            return None
        ratio = float((value - self.baseline) / (self.target - self.baseline))
        return max(0.0, min(1.0, ratio))


class Milestone(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=160)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["position", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class GoalProgress(models.Model):
    """The value of a goal's measure as reported in one cycle's check-in."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    cycle = models.ForeignKey("checkins.Cycle", on_delete=models.CASCADE, related_name="goal_progress")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("goal progress")
        verbose_name_plural = _("goal progress")
        ordering = ["cycle__index"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "cycle"], name="one_progress_per_goal_and_cycle")
        ]

    def __str__(self) -> str:
        return f"{self.goal}: {self.value}"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    PARTIAL = "partial", _("Partly done")
    MISSED = "missed", _("Not done")


class Commitment(models.Model):
    """What a member promised to do by the deadline of `cycle`."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="commitments")
    cycle = models.ForeignKey("checkins.Cycle", on_delete=models.CASCADE, related_name="commitments")
    goal = models.ForeignKey(
        Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments"
    )
    text = models.CharField(_("commitment"), max_length=280)
    quantity = models.DecimalField(_("how much"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["cycle__index", "pk"]
        indexes = [models.Index(fields=["membership", "cycle"])]

    def __str__(self) -> str:
        return self.text

    @property
    def is_unfinished(self) -> bool:
        return self.status in (CommitmentStatus.PARTIAL, CommitmentStatus.MISSED)
