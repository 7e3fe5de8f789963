from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle, Membership


class RoleKind(models.TextChoices):
    LEAD = "lead", _("Check-in lead")
    SUMMARIZER = "summarizer", _("Summarizer")
    TRACKER = "tracker", _("Goal tracker")
    CUSTOM = "custom", _("Custom role")


STANDARD_KINDS = (RoleKind.LEAD, RoleKind.SUMMARIZER, RoleKind.TRACKER)


class CircleRole(models.Model):
    """An accountability role of a circle, handed to one member each cycle."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("kind"), max_length=12, choices=RoleKind.choices, default=RoleKind.CUSTOM)
    name = models.CharField(_("name"), max_length=80)
    duties = models.TextField(_("duties"), max_length=2000, help_text=_("What the holder does this cycle."))
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True, help_text=_("Only roles in use are assigned."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("circle role")
        verbose_name_plural = _("circle roles")
        ordering = ["circle", "position", "pk"]
        constraints = [
            # roles_ensure creates each standard role once, even when two requests race.
            models.UniqueConstraint(
                fields=["circle", "kind"], condition=~Q(kind="custom"), name="one_standard_role_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.circle}: {self.name}"


class RoleAssignment(models.Model):
    """Who holds a role in one cycle. `swapped_from` is the member who handed it over, if anyone."""

    role = models.ForeignKey(CircleRole, on_delete=models.CASCADE, related_name="assignments")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="role_assignments")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="role_assignments")
    assigned_at = models.DateTimeField()
    swapped_from = models.ForeignKey(
        Membership, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["cycle__index", "role__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["role", "cycle"], name="one_holder_per_role_and_cycle")
        ]
        # Read by roles_rotate (worker): holders not yet told about their duties.
        indexes = [
            models.Index(
                fields=["notified_at"], condition=Q(notified_at__isnull=True), name="role_unnotified"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role.name} · {self.cycle} · {self.membership.user}"


class SwapState(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class SwapRequest(models.Model):
    """The holder asks another member to take the role for this cycle; only that member answers."""

    assignment = models.ForeignKey(RoleAssignment, on_delete=models.CASCADE, related_name="swap_requests")
    requested_by = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    offered_to = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="swap_offers")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=SwapState.choices, default=SwapState.PENDING)
    message = models.CharField(_("message"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state="pending"),
                name="one_pending_swap_per_assignment",
                violation_error_message=_("A swap for this role is already waiting for an answer."),
            ),
            models.CheckConstraint(
                condition=~Q(requested_by=models.F("offered_to")),
                name="swap_to_someone_else",
                violation_error_message=_("Choose someone other than the person holding the role."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} → {self.offered_to.user} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == SwapState.PENDING


class CycleSummary(models.Model):
    """The summarizer's account of a cycle. Drafts are seen by editors only; publishing shares it."""

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="summary")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("summary"), max_length=20000)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cycle summary")
        verbose_name_plural = _("cycle summaries")

    def __str__(self) -> str:
        return f"summary of {self.cycle}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
