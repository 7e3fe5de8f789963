from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.checkins import schedule
from peerpact.circles.models import Circle, Membership
from peerpact.safety.models import Moderatable, ModeratableQuerySet


class NextSteps(models.TextChoices):
    REVIEW = "review", _("Together, at the review session")
    CHECKIN = "checkin", _("By each member, in their check-in")


class Rhythm(models.Model):
    """A circle's schedule: RFC 5545 rules in the circle's time zone."""

    circle = models.OneToOneField(Circle, on_delete=models.CASCADE, related_name="rhythm")
    preset = models.CharField(
        max_length=10, choices=[(p.value, p.value) for p in schedule.Preset], default="weekly"
    )
    starts_on = models.DateField(_("first week starts"))
    deadline_rule = models.CharField(_("update deadlines"), max_length=200, help_text=_("An RFC 5545 RRULE."))
    deadline_time = models.TimeField(_("deadline time"), default=time(18, 0))
    grace_hours = models.PositiveSmallIntegerField(
        _("grace period (hours)"),
        default=24,
        validators=[MaxValueValidator(schedule.MAX_GRACE_HOURS)],
        help_text=_("Updates in this window after the deadline count as late, not missed."),
    )
    review_rule = models.CharField(_("review sessions"), max_length=200, blank=True)
    review_time = models.TimeField(_("review time"), default=time(19, 0))
    review_duration_minutes = models.PositiveSmallIntegerField(
        _("review length (minutes)"), default=45, validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    review_location = models.CharField(
        _("where"), max_length=300, blank=True, help_text=_("A video link or a place.")
    )
    next_steps = models.CharField(
        _("next steps are decided"), max_length=10, choices=NextSteps.choices, default=NextSteps.REVIEW
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rhythm")
        verbose_name_plural = _("rhythms")

    def __str__(self) -> str:
        return f"{self.circle}: {self.deadline_rule}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.circle.timezone)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.grace_hours)

    def deadlines(self) -> schedule.Rule:
        return schedule.Rule(self.deadline_rule, self.starts_on, self.deadline_time, self.zone)

    def reviews(self) -> schedule.Rule | None:
        if not self.review_rule:
            return None
        return schedule.Rule(self.review_rule, self.starts_on, self.review_time, self.zone)


class Blackout(models.Model):
    """Dates (in the circle's zone) when no update is expected: holidays, a break."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="blackouts")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("blackout")
        verbose_name_plural = _("blackouts")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="blackout_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.circle}: {self.starts_on}–{self.ends_on}"

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Pause(models.Model):
    """A member taking a break. The reason is private to facilitators and organizers."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty: until resumed."))
    reason = models.CharField(_("reason (private)"), max_length=300, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pause_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} from {self.starts_on}"

    def covers(self, day: date, instant: datetime) -> bool:
        """Paused on that local date (and not resumed before that instant)."""
        if day < self.starts_on or (self.ends_on is not None and day > self.ends_on):
            return False
        return self.resumed_at is None or self.resumed_at > instant


class CycleQuerySet(models.QuerySet["Cycle"]):
    def started(self, when: datetime) -> CycleQuerySet:
        return self.filter(opens_at__lte=when)

    def open_for_checkin(self, when: datetime) -> CycleQuerySet:
        return self.filter(opens_at__lte=when, closes_at__gte=when)


class Cycle(models.Model):
    """The span between two update deadlines: (opens_at, deadline_at]. Rows are history: once a
    cycle exists its times never change, except the current one's closing when the schedule changes."""

    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, related_name="cycles")
    index = models.PositiveIntegerField()
    opens_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    grace_until = models.DateTimeField()
    closes_at = models.DateTimeField()

    objects = CycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["circle", "index"]
        constraints = [
            models.UniqueConstraint(fields=["circle", "index"], name="cycle_index_unique"),
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("deadline_at"))
                & Q(deadline_at__lte=models.F("grace_until"))
                & Q(grace_until__lte=models.F("closes_at")),
                name="cycle_times_ordered",
            ),
        ]
        # Read by cycles_materialize (worker) and every "what is due" page.
        indexes = [models.Index(fields=["circle", "deadline_at"]), models.Index(fields=["closes_at"])]

    def __str__(self) -> str:
        return f"{self.circle} #{self.index}"

    @property
    def times(self) -> schedule.CycleTimes:
        return schedule.CycleTimes(self.opens_at, self.deadline_at, self.grace_until, self.closes_at)

    def deadline_local_date(self) -> date:
        return self.deadline_at.astimezone(ZoneInfo(self.circle.timezone)).date()

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now <= self.closes_at


class CheckinVisibility(models.TextChoices):
    CIRCLE = "circle", _("My circle")
    FACILITATORS = "facilitators", _("Only facilitators and organizers")


class Checkin(Moderatable):
    """A member's update for one cycle. Unsubmitted rows are drafts. Organizers may hide or remove it
    (safety.registry kind "checkin"); peers then no longer see it (checkins.access.can_view_checkin)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="checkins")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="checkins")
    submitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    wins = models.TextField(_("wins"), blank=True, max_length=4000)
    blockers = models.TextField(_("blockers"), blank=True, max_length=4000)
    help_request = models.TextField(_("help request"), blank=True, max_length=2000)
    confidence = models.PositiveSmallIntegerField(
        _("confidence"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    visibility = models.CharField(
        _("who sees this update"),
        max_length=12,
        choices=CheckinVisibility.choices,
        default=CheckinVisibility.CIRCLE,
    )
    draft = models.JSONField(default=dict, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModeratableQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["cycle__index"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "cycle"], name="one_checkin_per_member_and_cycle"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=5),
                name="checkin_confidence_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} · {self.cycle}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret iCal URL: one per person for all their circles (circle empty), or per circle."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    circle = models.ForeignKey(Circle, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["user", "circle"], name="one_feed_per_user_and_circle"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(circle__isnull=True), name="one_personal_feed"
            ),
        ]

    def __str__(self) -> str:
        return f"feed for {self.user}"
