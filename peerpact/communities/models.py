from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DepartedContent(models.TextChoices):
    """What happens to a member's check-ins, goals and feedback when they delete their account."""

    ANONYMIZE = "anonymize", _("Keep it anonymized: counts and states stay, their words go")
    REMOVE = "remove", _("Remove it")


class Community(models.Model):
    """The tenant: an organization or network that owns circles and programs."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    members_can_create_circles = models.BooleanField(
        _("members may create circles"),
        default=False,
        help_text=_("When off, only owners and organizers can create circles."),
    )
    departed_member_content = models.CharField(
        _("when a member deletes their account"),
        max_length=10,
        choices=DepartedContent.choices,
        default=DepartedContent.ANONYMIZE,
        help_text=_(
            "Anonymized: their check-in states, goal progress and ratings stay for the circle's statistics "
            'under "Former member", and everything they wrote is erased. Removed: all of it goes.'
        ),
    )
    require_mfa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_(
            "When on, members must set up an authenticator app before they can open anything in this "
            "community. Only the owner can change this."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommunityRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    ORGANIZER = "organizer", _("Organizer")
    MEMBER = "member", _("Member")


class CommunityMembershipQuerySet(models.QuerySet["CommunityMembership"]):
    def managers(self) -> CommunityMembershipQuerySet:
        return self.filter(role__in=[CommunityRole.OWNER, CommunityRole.ORGANIZER])


class CommunityMembership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_memberships"
    )
    role = models.CharField(
        _("role"), max_length=16, choices=CommunityRole.choices, default=CommunityRole.MEMBER
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    objects = CommunityMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("community membership")
        verbose_name_plural = _("community memberships")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="community_member_once"),
            # Ownership transfer demotes before it promotes, inside one transaction.
            models.UniqueConstraint(
                fields=["community"], condition=Q(role="owner"), name="community_single_owner"
            ),
        ]
        indexes = [models.Index(fields=["user", "community"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role in (CommunityRole.OWNER, CommunityRole.ORGANIZER)


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class InvitationKind(models.TextChoices):
    EMAIL = "email", _("Personal (by email)")
    LINK = "link", _("Shareable link")


class InvitationQuerySet(models.QuerySet["CommunityInvitation"]):
    def usable(self, now: datetime) -> InvitationQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now).filter(
            Q(max_uses__isnull=True) | Q(use_count__lt=models.F("max_uses"))
        )


class CommunityInvitation(models.Model):
    """An invitation into a community, personal (one email, one use) or a shareable link."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(_("kind"), max_length=8, choices=InvitationKind.choices)
    email = models.EmailField(_("email"), blank=True)
    role = models.CharField(
        _("role on joining"), max_length=16, choices=CommunityRole.choices, default=CommunityRole.MEMBER
    )
    # A personal invitation may also invite into one circle of the community.
    circle = models.ForeignKey(
        "circles.Circle",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="community_invitations",
    )
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token, editable=False)
    message = models.TextField(_("personal message"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    max_uses = models.PositiveIntegerField(_("use limit"), null=True, blank=True)
    use_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("community invitation")
        verbose_name_plural = _("community invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="email") | ~Q(email=""), name="invitation_email_has_address"
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(use_count__lte=models.F("max_uses")),
                name="invitation_uses_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.community}"

    def is_usable(self, now: datetime) -> bool:
        if self.revoked_at is not None or self.expires_at <= now:
            return False
        return self.max_uses is None or self.use_count < self.max_uses

    @property
    def uses_left(self) -> int | None:
        return None if self.max_uses is None else max(self.max_uses - self.use_count, 0)
