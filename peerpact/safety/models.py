from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModerationState(models.TextChoices):
    VISIBLE = "visible", _("Visible")
    HIDDEN = "hidden", _("Hidden by a moderator")
    REMOVED = "removed", _("Removed by a moderator")


class ModeratableQuerySet(models.QuerySet):
    def visible(self) -> ModeratableQuerySet:
        return self.filter(moderation_state=ModerationState.VISIBLE)


class Moderatable(models.Model):
    """Content people write that organizers can hide, restore or remove (see safety.registry).

    Every place that shows such content to peers filters with `.visible()`; organizers moderating it
    see hidden content with a mark. Removing keeps the row (the audit trail points at it) but blanks
    the text in the service that removes it.
    """

    moderation_state = models.CharField(
        _("moderation"), max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_visible(self) -> bool:
        return self.moderation_state == ModerationState.VISIBLE


class Block(models.Model):
    """`blocker` does not want to be contacted by `blocked`: no comments, feedback, kudos, help offers
    or notifications from them. Only the blocker sees that the block exists."""

    blocker = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class ReportReason(models.TextChoices):
    HARASSMENT = "harassment", _("Harassment or bullying")
    HATEFUL = "hateful", _("Hateful or demeaning")
    PRIVACY = "privacy", _("Shares someone's private information")
    SAFETY = "safety", _("Someone may be at risk")
    SPAM = "spam", _("Spam or advertising")
    OTHER = "other", _("Something else")


class ReportState(models.TextChoices):
    OPEN = "open", _("Open")
    ACTIONED = "actioned", _("Acted on")
    DISMISSED = "dismissed", _("Dismissed")


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> ReportQuerySet:
        return self.filter(state=ReportState.OPEN)

    def for_content(self, kind: str, object_id: int) -> ReportQuerySet:
        return self.filter(kind=kind, object_id=object_id)


class Report(models.Model):
    """A member tells the organizers that a piece of content (see safety.registry) is not OK.

    Only the community's organizers see reports; reporters never see each other, and the author is
    never told who reported."""

    kind = models.CharField(_("content kind"), max_length=30)
    object_id = models.PositiveBigIntegerField()
    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    reporter = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    details = models.TextField(_("details"), blank=True, max_length=2000)
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "pk"]
        constraints = [
            # Reporting the same thing twice while the first report is open changes nothing.
            models.UniqueConstraint(
                fields=["kind", "object_id", "reporter"],
                condition=models.Q(state="open"),
                name="report_once_while_open",
            ),
        ]
        # The moderation queue reads open reports per community.
        indexes = [models.Index(fields=["community", "state"]), models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.kind}:{self.object_id} ({self.state})"


class ModerationActionKind(models.TextChoices):
    HIDE = "hide", _("Hidden")
    RESTORE = "restore", _("Restored")
    REMOVE = "remove", _("Removed")
    DISMISS = "dismiss", _("Report dismissed")


class ModerationAction(models.Model):
    """The audit trail: one row per moderator action, never changed or deleted by the app."""

    kind = models.CharField(_("content kind"), max_length=30)
    object_id = models.PositiveBigIntegerField()
    circle = models.ForeignKey(
        "circles.Circle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=ModerationActionKind.choices)
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.TextField(_("note"), blank=True, max_length=2000)
    at = models.DateTimeField()
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["community", "at"]), models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.kind}:{self.object_id} by {self.actor_id}"


class ConcernAddressee(models.TextChoices):
    FACILITATOR = "facilitator", _("The circle's facilitator(s)")
    ORGANIZER = "organizer", _("The community's organizers")


class ConcernState(models.TextChoices):
    RAISED = "raised", _("Raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class Concern(models.Model):
    """A member's private concern about their circle, addressed to its facilitators or the organizers.

    Path: raised → acknowledged → resolved; every step and reply is a ConcernEvent."""

    circle = models.ForeignKey("circles.Circle", on_delete=models.CASCADE, related_name="+")
    raised_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    addressed_to = models.CharField(
        _("who should handle it"), max_length=12, choices=ConcernAddressee.choices
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("what is going on"), max_length=8000)
    state = models.CharField(
        _("state"), max_length=12, choices=ConcernState.choices, default=ConcernState.RAISED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["raised_by", "state"]), models.Index(fields=["circle", "state"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.state != ConcernState.RESOLVED


class ConcernEventKind(models.TextChoices):
    RAISED = "raised", _("raised the concern")
    ACKNOWLEDGED = "acknowledged", _("acknowledged it")
    REPLY = "reply", _("replied")
    RESOLVED = "resolved", _("marked it resolved")


class ConcernEvent(models.Model):
    """One step on a concern's timeline: a state change or a reply."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=ConcernEventKind.choices)
    author = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(blank=True, max_length=8000)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.concern_id}: {self.kind}"
