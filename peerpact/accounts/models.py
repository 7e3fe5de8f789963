from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from peerpact.lib.timezones import timezone_choices


class PeerPactUserManager(UserManager["User"]):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user_email(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:  # type: ignore[override]
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user_email(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:  # type: ignore[override]
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user_email(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"), max_length=80, blank=True, help_text=_("How peers see you. Any name you like.")
    )
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True, help_text=_("Optional."))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        choices=timezone_choices,
        help_text=_("Deadlines and sessions are shown in this zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Leave empty to follow your browser."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = PeerPactUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """What peers see: the display name, else the part of the email before the @."""
        return self.display_name or self.email.split("@", 1)[0]

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class UserSession(models.Model):
    """One signed-in browser of a person: the session store cannot list a user's sessions, this can.

    Written when someone signs in, touched by SessionTrackingMiddleware at most every few minutes, removed
    on sign-out and on revocation (which also deletes the session from the session store).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    user_agent = models.CharField(max_length=200, blank=True)
    ip_prefix = models.CharField(max_length=48, blank=True)  # the address with its last part blanked

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-last_seen_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} · {self.device}"

    @property
    def device(self) -> str:
        """A short summary of the user agent: "Firefox on Linux"."""
        agent = self.user_agent
        browser = next(
            (name for token, name in _BROWSERS if token in agent),
            _("Unknown browser") if agent else _("Unknown"),
        )
        system = next((name for token, name in _SYSTEMS if token in agent), "")
        return (
            _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
            if system
            else str(browser)
        )


# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = [
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("curl/", "curl"),
]
_SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]
