"""Every write to communities, their members and invitations.

Ending someone's place in a community also ends their place in its circles, so
`community_leave` and `community_member_remove` live in circles.services (the
lowest app that knows both); this module never imports circles.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peerpact.communities import access
from peerpact.communities.models import (
    Community,
    CommunityInvitation,
    CommunityMembership,
    CommunityRole,
    DepartedContent,
    InvitationKind,
)
from peerpact.notifications.services import email_send

INVITATION_DAYS_DEFAULT = 14
LINK_USES_DEFAULT = 25


def unique_slug(base: str, taken: Any, *, fallback: str) -> str:
    """A slug from `base` not present in queryset `taken` (filtered by slug), adding -2, -3 …"""
    root = slugify(base)[:50] or fallback
    slug, n = root, 1
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{root}-{n}"
    return slug


def community_create(
    *,
    creator: Any,
    name: str,
    description: str = "",
    members_can_create_circles: bool = False,
    departed_member_content: str | None = None,
) -> Community:
    """Create a community; its creator becomes the owner."""
    with transaction.atomic():
        community = Community(
            departed_member_content=departed_member_content or DepartedContent.ANONYMIZE,
            name=name.strip(),
            description=description.strip(),
            members_can_create_circles=members_can_create_circles,
            created_by=creator,
            slug=unique_slug(name, Community.objects.all(), fallback="community"),
        )
        community.full_clean()
        community.save()
        CommunityMembership.objects.create(community=community, user=creator, role=CommunityRole.OWNER)
    return community


def community_update(
    *,
    community: Community,
    actor: Any,
    name: str,
    description: str,
    members_can_create_circles: bool,
    departed_member_content: str | None = None,
) -> Community:
    """Change a community's settings (owners and organizers)."""
    if not access.can_manage_community(actor, community):
        raise PermissionDenied(_("Only owners and organizers can change the community's settings."))
    community.name = name.strip()
    community.description = description.strip()
    community.members_can_create_circles = members_can_create_circles
    fields = ["name", "description", "members_can_create_circles"]
    if departed_member_content is not None:
        community.departed_member_content = departed_member_content
        fields.append("departed_member_content")
    community.full_clean()
    community.save(update_fields=fields)
    return community


def community_set_require_mfa(*, community: Community, actor: Any, require_mfa: bool) -> Community:
    """Require (or stop requiring) two-factor authentication of every member. Owner only; turning it on
    needs the owner's own second factor first, so the owner is never locked out of the settings."""
    if not access.is_community_owner(actor, community):
        raise PermissionDenied(_("Only the owner can require two-factor authentication."))
    if require_mfa and not access.has_mfa(actor):
        raise ValidationError(
            _("Set up two-factor authentication for yourself first; then you can require it of everyone.")
        )
    community.require_mfa = require_mfa
    community.save(update_fields=["require_mfa"])
    return community


def community_member_add(
    *, community: Community, user: Any, role: str = CommunityRole.MEMBER
) -> CommunityMembership:
    """Add someone to a community (or return their existing membership unchanged)."""
    membership, _created = CommunityMembership.objects.get_or_create(
        community=community, user=user, defaults={"role": role}
    )
    return membership


def community_member_set_role(
    *, actor: Any, membership: CommunityMembership, role: str
) -> CommunityMembership:
    """Make a member an organizer or back (the owner decides about organizers)."""
    if role not in (CommunityRole.ORGANIZER, CommunityRole.MEMBER):
        raise ValidationError(_("Use ownership transfer to change the owner."))
    allowed = access.is_community_owner(actor, membership.community) or (
        access.is_community_manager(actor, membership.community)
        and membership.role == CommunityRole.MEMBER
        and role == CommunityRole.MEMBER
    )
    if not allowed or membership.role == CommunityRole.OWNER:
        raise PermissionDenied(_("Only the owner can appoint or demote organizers."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def community_transfer_ownership(*, actor: Any, community: Community, new_owner: Any) -> CommunityMembership:
    """Hand ownership to another member; the previous owner stays on as organizer."""
    if not access.is_community_owner(actor, community):
        raise PermissionDenied(_("Only the owner can transfer ownership."))
    if new_owner.pk == actor.pk:
        raise ValidationError(_("You already own this community."))
    with transaction.atomic():
        target = (
            CommunityMembership.objects.select_for_update()
            .filter(community=community, user=new_owner)
            .first()
        )
        if target is None:
            raise ValidationError(_("The new owner must already be a member of the community."))
        # Demote first: a partial unique index allows a single owner per community.
        CommunityMembership.objects.filter(community=community, role=CommunityRole.OWNER).update(
            role=CommunityRole.ORGANIZER
        )
        target.role = CommunityRole.OWNER
        target.save(update_fields=["role"])
    community.__dict__.pop("_membership_cache", None)
    return target


def invitation_create(
    *,
    community: Community,
    actor: Any,
    kind: str,
    email: str = "",
    role: str = CommunityRole.MEMBER,
    circle: Any = None,
    message: str = "",
    days_valid: int = INVITATION_DAYS_DEFAULT,
    max_uses: int | None = None,
) -> CommunityInvitation:
    """Invite someone by email (one use) or make a shareable link (expiry and use limit)."""
    if circle is None and not access.can_manage_community(actor, community):
        raise PermissionDenied(_("Only owners and organizers can invite people to the community."))
    if role != CommunityRole.MEMBER and not access.is_community_owner(actor, community):
        raise PermissionDenied(_("Only the owner can invite organizers."))
    if role == CommunityRole.OWNER:
        raise ValidationError(_("Nobody can be invited as owner."))
    if not 1 <= days_valid <= 90:
        raise ValidationError(_("An invitation is valid for 1 to 90 days."))
    if kind == InvitationKind.EMAIL:
        max_uses = 1
    elif max_uses is not None and not 1 <= max_uses <= 1000:
        raise ValidationError(_("The use limit must be between 1 and 1000."))
    invitation = CommunityInvitation(
        community=community,
        kind=kind,
        email=email.strip().lower() if kind == InvitationKind.EMAIL else "",
        role=role,
        circle=circle,
        message=message.strip(),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=days_valid),
        max_uses=max_uses,
    )
    invitation.full_clean()
    invitation.save()
    if invitation.kind == InvitationKind.EMAIL:
        transaction.on_commit(lambda: _send_invitation_email(invitation))
    return invitation


def _send_invitation_email(invitation: CommunityInvitation) -> None:
    email_send(
        to=invitation.email,
        template="emails/community_invitation",
        context={
            "invitation": invitation,
            "inviter": invitation.created_by,
            "url": reverse("invitation-accept", kwargs={"token": invitation.token}),
        },
    )


def invitation_revoke(*, actor: Any, invitation: CommunityInvitation) -> CommunityInvitation:
    """Stop an invitation from being used."""
    if not access.can_manage_community(actor, invitation.community) and invitation.created_by_id != actor.pk:
        raise PermissionDenied(_("Only organizers and the person who invited can revoke an invitation."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


class InvitationUnusable(ValidationError):
    pass


def invitation_redeem(*, invitation: CommunityInvitation, user: Any) -> CommunityMembership:
    """Use an invitation: count one use and make the person a community member.

    Someone who is already a member keeps their membership and uses nothing up.
    """
    existing = CommunityMembership.objects.filter(community=invitation.community, user=user).first()
    if existing is not None:
        return existing
    now = timezone.now()
    if not invitation.is_usable(now):
        raise InvitationUnusable(_("This invitation has expired, been used up or been revoked."))
    if invitation.kind == InvitationKind.EMAIL and invitation.email.lower() != user.email.lower():
        raise InvitationUnusable(
            _("This invitation was sent to another email address. Sign in with that address to accept it.")
        )
    with transaction.atomic():
        # Compare-and-set on the use counter: two people racing for the last use cannot both win.
        won = (
            CommunityInvitation.objects.usable(now)
            .filter(pk=invitation.pk)
            .update(use_count=F("use_count") + 1)
        )
        if not won:
            raise InvitationUnusable(_("This invitation has expired, been used up or been revoked."))
        try:
            with transaction.atomic():
                membership = CommunityMembership.objects.create(
                    community=invitation.community, user=user, role=invitation.role
                )
        except IntegrityError:  # another tab made them a member meanwhile: that one counted the use
            CommunityInvitation.objects.filter(pk=invitation.pk).update(use_count=F("use_count") - 1)
            membership = CommunityMembership.objects.get(community=invitation.community, user=user)
    invitation.refresh_from_db(fields=["use_count"])
    return membership
