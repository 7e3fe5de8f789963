from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Endpoint(models.Model):
    """A URL of a community's own tooling that gets signed POSTs when subscribed events happen.

    The secret signs every delivery (Standard Webhooks style, see signing.py). It has to be read back to
    sign, so it is stored as is, like the chat targets' URLs; the pages show it only on request. After a
    rotation the previous secret keeps signing too (a second signature) until `previous_secret_until`,
    so a receiver can switch without losing a delivery.
    """

    community = models.ForeignKey(
        "communities.Community", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list, help_text=_("The event types it receives."))
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Failed attempts since the last success (any delivery), and when that streak began: the auto-disable
    # rule reads both (see delivery.py).
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "pk"]
        indexes = [
            # Read by the event subscriber (services.event_record) on every emitted event.
            models.Index(fields=["community", "is_active"], name="webhook_endpoint_active"),
        ]

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return event_type in self.events

    @property
    def masked_secret(self) -> str:
        return f"whsec_…{self.secret[-4:]}" if self.secret else ""

    @property
    def previous_secret_in_force(self) -> bool:
        return self.signing_secrets(timezone.now())[1:] != []

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a delivery now: the current one, and the previous one while it lasts."""
        secrets = [self.secret]
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            secrets.append(self.previous_secret)
        return secrets


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def due(self, now: datetime) -> DeliveryQuerySet:
        """Pending and due, to an active endpoint. A claim pushes `next_attempt_at` one lease ahead, so a
        row whose worker died comes due again when that lease runs out."""
        return self.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__is_active=True)


class Delivery(models.Model):
    """One event for one endpoint: the body it sends (built from these fields, the same on every retry)
    and how its attempts went. `event_id` is the `webhook-id` header: stable, so receivers drop repeats."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    # Attempts in the current round: "retry now" starts a new round; `DeliveryAttempt` keeps them all.
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True, help_text=_("The claim that holds the lease."))
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One event reaches an endpoint once, however often a scheduler (cycle.closed) looks.
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once"),
            models.CheckConstraint(
                name="webhook_delivery_pending_has_due_time",
                condition=~Q(state="pending") | Q(next_attempt_at__isnull=False),
            ),
        ]
        indexes = [
            # Read by delivery.deliveries_send (the worker): pending rows by due time.
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            # The delivery log of an endpoint, newest first.
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → endpoint {self.endpoint_id} ({self.state})"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: what came back. The log organizers read when a receiver misbehaves."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"attempt on delivery {self.delivery_id}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
