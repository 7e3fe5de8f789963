from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from peerpact.communities.models import Community

# "pp_<prefix>_<secret>": the prefix is public (shown in lists, used to find the row), the secret is not.
TOKEN_START = "pp_"
PREFIX_CHARS = 12


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: datetime) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A personal access token for the JSON API. Only a SHA-256 hash of the secret is stored: tokens
    carry 32 random bytes, so a fast hash is as strong as a slow one and keeps every request cheap."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80, help_text=_("What it is for, e.g. “weekly script”."))
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("limited to community"),
    )
    scope = models.CharField(_("access"), max_length=5, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField(max_length=PREFIX_CHARS, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.display})"

    @property
    def display(self) -> str:
        """How the token is recognized in lists: its public start, never the secret."""
        return f"{TOKEN_START}{self.prefix}_…"

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class IdempotencyKey(models.Model):
    """The first successful answer to a POST sent with an `Idempotency-Key` header, kept 24 h so a retry
    with the same key gets the same answer instead of a second write (peerpact.api.idempotency).

    `owner` is who sent it ("token:<id>" or "user:<id>", as the rate limit counts); the unique constraint
    decides which of two simultaneous requests runs: the other finds this row and waits for its answer.
    While `status_code` is empty the first request is still running (since `started_at`).
    """

    owner = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of the request body
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key", "method", "path"], name="api_idempotency_once")
        ]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"

    @property
    def is_done(self) -> bool:
        return self.status_code is not None
