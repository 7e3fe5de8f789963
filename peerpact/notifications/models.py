from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    INAPP = "inapp", _("In the app")
    CHAT = "chat", _("Chat")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class MessageQuerySet(models.QuerySet["Message"]):
    def deliverable(self, now: datetime) -> MessageQuerySet:
        """Due and unclaimed, or claimed by a worker whose lease ran out (it crashed mid-send)."""
        return self.filter(
            Q(state=MessageState.PENDING, due_at__lte=now)
            | Q(state=MessageState.SENDING, lease_until__lt=now)
        )

    def unread_inapp(self, user: object) -> MessageQuerySet:
        return self.filter(
            recipient=user, channel=Channel.INAPP, state=MessageState.SENT, read_at__isnull=True
        )


class Message(models.Model):
    """Every message to a person is a row first (the outbox); the worker delivers it.

    It knows no domain: apps give a template name and a JSON context. It is rendered at delivery time,
    in the recipient's language, so a late retry still speaks the right language.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        help_text=_("Empty for a message to a group's chat (see chat_target)."),
    )
    # A group's chat message (e.g. a circle's channel) has no person: it goes to this one target.
    chat_target = models.ForeignKey(
        "ChatTarget", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=60, help_text=_("What this message is about, e.g. checkin.reminder."))
    template = models.CharField(max_length=120)
    context = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # Unique: a scheduler may run as often as it likes; the same (recipient, kind, occurrence) is one row.
    dedupe_key = models.CharField(max_length=200, unique=True)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True, help_text=_("The claim that holds the lease."))
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="message_to_person_or_group_chat",
                condition=(
                    Q(recipient__isnull=False, chat_target__isnull=True)
                    | Q(recipient__isnull=True, chat_target__isnull=False, channel="chat")
                ),
            ),
        ]
        indexes = [
            # Read by outbox_deliver_batch (the worker): pending rows by due time, expired leases.
            models.Index(fields=["state", "due_at"], name="outbox_due"),
            models.Index(fields=["state", "lease_until"], name="outbox_lease"),
            # The in-app notification centre and its unread count.
            models.Index(fields=["recipient", "channel", "read_at"], name="outbox_inbox"),
        ]

    def __str__(self) -> str:
        to = self.recipient_id if self.recipient_id else f"chat {self.chat_target_id}"
        return f"{self.kind} → {to} ({self.channel}, {self.state})"


class Preference(models.Model):
    """How a person wants to hear from PeerPact: per kind and channel, quiet hours, a daily cap."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    # "kind:channel" pairs the person switched off, e.g. "checkin.reminder:email".
    muted = models.JSONField(default=list, blank=True)
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True, help_text=_("In your time zone."))
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    daily_cap = models.PositiveSmallIntegerField(
        _("at most this many messages a day"), default=6, help_text=_("Per channel, in your time zone.")
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    def wants(self, kind: str, channel: str) -> bool:
        return f"{kind}:{channel}" not in self.muted and f"*:{channel}" not in self.muted


class WorkerHeartbeat(models.Model):
    """One row per running worker process, touched every loop; /healthz and the admin read it."""

    name = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    processed = models.PositiveBigIntegerField(default=0, help_text=_("Loop passes that found work."))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return self.name


class ChatTargetQuerySet(models.QuerySet["ChatTarget"]):
    def active(self) -> ChatTargetQuerySet:
        return self.filter(is_active=True)

    def personal(self, user: object) -> ChatTargetQuerySet:
        return self.filter(owner=user)

    def for_scope(self, scope: str, scope_id: int) -> ChatTargetQuerySet:
        return self.filter(owner__isnull=True, scope=scope, scope_id=scope_id)


class ChatTarget(models.Model):
    """Where chat messages go: one Apprise URL (Slack, Discord, Teams, Telegram, Matrix, ntfy …).

    A target belongs to one person (`owner`) or to a group named by a generic `scope` and `scope_id`
    (e.g. "circle", 12): notifications knows no domain, so the app that owns the scope decides who may
    manage its targets. The URL carries the service's secrets: it is shown back only as `masked_url`.
    """

    url = models.CharField(_("Apprise URL"), max_length=2000)
    label = models.CharField(_("label"), max_length=80, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_targets",
        help_text=_("The person whose messages go here; empty for a group target."),
    )
    scope = models.CharField(max_length=40, blank=True, help_text=_("For a group target, e.g. circle."))
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_error = models.TextField(blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    objects = ChatTargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("chat target")
        verbose_name_plural = _("chat targets")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="chat_target_person_or_scope",
                condition=(
                    Q(owner__isnull=False, scope="", scope_id__isnull=True)
                    | (Q(owner__isnull=True, scope_id__isnull=False) & ~Q(scope=""))
                ),
            ),
        ]
        indexes = [
            # Read by notify_group_chat: a group's targets.
            models.Index(fields=["scope", "scope_id"], name="chat_target_scope"),
        ]

    def __str__(self) -> str:
        return self.label or self.masked_url

    @property
    def masked_url(self) -> str:
        from peerpact.notifications.chat import url_mask

        return url_mask(self.url)
