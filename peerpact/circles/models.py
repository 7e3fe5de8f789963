from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.communities.models import Community
from peerpact.lib.timezones import timezone_choices

SIZE_CAP_MIN = 2
SIZE_CAP_MAX = 20


class Purpose(models.TextChoices):
    WEEKLY_GOALS = "weekly_goals", _("Weekly goals")
    SKILLS = "skills", _("Skill building")
    JOB_SEARCH = "job_search", _("Job search")
    STUDY = "study", _("Study")
    FITNESS = "fitness", _("Fitness")
    SUPPORT = "support", _("Support group")
    LEARNING_COHORT = "learning_cohort", _("Learning cohort")
    CUSTOM = "custom", _("Custom")


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private: only members and invitees see it")
    LISTED = "listed", _("Listed: community members can find it")


class JoinPolicy(models.TextChoices):
    INVITE = "invite", _("Invite only")
    REQUEST = "request", _("Request to join (facilitator approves)")
    OPEN = "open", _("Open to community members")


class CircleStatus(models.TextChoices):
    FORMING = "forming", _("Forming")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")


class Circle(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="circles")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=60)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.WEEKLY_GOALS
    )
    description = models.TextField(
        _("what this circle is for"),
        blank=True,
        max_length=4000,
        help_text=_("A few sentences so people know whether it is for them."),
    )
    charter = models.TextField(
        _("charter"),
        blank=True,
        max_length=20000,
        help_text=_("The norms members accept when they join. Markdown is supported."),
    )
    charter_updated_at = models.DateTimeField(_("charter last changed"), null=True, blank=True)
    size_cap = models.PositiveSmallIntegerField(
        _("size cap"),
        default=8,
        validators=[MinValueValidator(SIZE_CAP_MIN), MaxValueValidator(SIZE_CAP_MAX)],
        help_text=_("Between 2 and 20 members. Small circles work best."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", choices=timezone_choices)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    join_policy = models.CharField(
        _("how people join"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.INVITE
    )
    application_questions = models.JSONField(
        _("application questions"),
        default=list,
        blank=True,
        help_text=_("Asked when someone requests to join."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CircleStatus.choices, default=CircleStatus.FORMING
    )
    pilot_tag = models.CharField(
        _("pilot tag"), max_length=40, blank=True, help_text=_("Optional, to compare pilots.")
    )
    allow_anonymous_feedback = models.BooleanField(
        _("allow anonymous feedback"),
        default=False,
        help_text=_("Members may give feedback without their name; organizers still see it for moderation."),
    )
    pulse_every_cycles = models.PositiveSmallIntegerField(
        _("retrospective pulse every … cycles"),
        default=4,
        validators=[MaxValueValidator(52)],
        help_text=_("A few questions on how the circle works. 0 switches it off."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("circle")
        verbose_name_plural = _("circles")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="circle_slug_unique_in_community"),
            models.CheckConstraint(
                condition=Q(size_cap__gte=SIZE_CAP_MIN, size_cap__lte=SIZE_CAP_MAX),
                name="circle_size_cap_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.status == CircleStatus.ARCHIVED


class MemberRole(models.TextChoices):
    MEMBER = "member", _("Member")
    FACILITATOR = "facilitator", _("Facilitator")


class MembershipStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    REQUESTED = "requested", _("Requested")
    WAITLISTED = "waitlisted", _("On the waitlist")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    DECLINED = "declined", _("Declined")
    LEFT = "left", _("Left")
    REMOVED = "removed", _("Removed")


SEATED = (MembershipStatus.ACTIVE, MembershipStatus.PAUSED)  # count toward the size cap
PENDING = (MembershipStatus.INVITED, MembershipStatus.REQUESTED, MembershipStatus.WAITLISTED)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def seated(self) -> MembershipQuerySet:
        return self.filter(status__in=SEATED)

    def pending(self) -> MembershipQuerySet:
        return self.filter(status__in=PENDING)


class Membership(models.Model):
    """A person in a circle: from invitation or request, through active or paused, to leaving."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="circle_memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER)
    status = models.CharField(_("status"), max_length=12, choices=MembershipStatus.choices)
    paused_until = models.DateField(_("paused until"), null=True, blank=True)
    charter_accepted_at = models.DateTimeField(_("charter accepted"), null=True, blank=True)
    application_answers = models.JSONField(_("application answers"), default=list, blank=True)
    decision_message = models.TextField(_("message from the circle"), blank=True, max_length=2000)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("circle membership")
        verbose_name_plural = _("circle memberships")
        ordering = ["circle", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "user"], name="circle_member_once"),
            # Nobody sits in a circle without having accepted its charter.
            models.CheckConstraint(
                condition=~Q(status__in=["active", "paused"]) | Q(charter_accepted_at__isnull=False),
                name="seated_member_accepted_charter",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"]), models.Index(fields=["circle", "status"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.circle} ({self.status})"

    @property
    def is_seated(self) -> bool:
        return self.status in SEATED

    @property
    def is_facilitator(self) -> bool:
        return self.is_seated and self.role == MemberRole.FACILITATOR

    def needs_charter_reaccept(self) -> bool:
        changed = self.circle.charter_updated_at
        return bool(
            self.is_seated and changed and self.charter_accepted_at and self.charter_accepted_at < changed
        )

    def waited_since(self) -> datetime:
        return self.status_changed_at or self.created_at
