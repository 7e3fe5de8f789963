from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from peerpact.communities import services
from peerpact.communities.models import CommunityMembership, CommunityRole, InvitationKind
from peerpact.communities.services import InvitationUnusable

pytestmark = pytest.mark.django_db


def test_creator_becomes_owner_and_slug_is_unique(olivia, bob):
    first = services.community_create(creator=olivia, name="Book Club")
    second = services.community_create(creator=bob, name="Book Club")
    assert (first.slug, second.slug) == ("book-club", "book-club-2")
    assert CommunityMembership.objects.get(community=first, user=olivia).role == CommunityRole.OWNER


def test_name_is_required(olivia):
    with pytest.raises(ValidationError):
        services.community_create(creator=olivia, name="   ")


def test_a_community_has_exactly_one_owner_at_the_database_level(community, bob):
    membership = services.community_member_add(community=community, user=bob)
    membership.role = CommunityRole.OWNER
    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()


def test_only_managers_change_settings(community, olivia, bob):
    services.community_member_add(community=community, user=bob)
    with pytest.raises(PermissionDenied):
        services.community_update(
            community=community, actor=bob, name="Hijacked", description="", members_can_create_circles=True
        )
    services.community_update(
        community=community, actor=olivia, name="Renamed", description="d", members_can_create_circles=True
    )
    community.refresh_from_db()
    assert community.name == "Renamed"
    assert community.members_can_create_circles


def test_transfer_ownership_demotes_the_old_owner_to_organizer(community, olivia, bob):
    services.community_member_add(community=community, user=bob)
    services.community_transfer_ownership(actor=olivia, community=community, new_owner=bob)
    roles = dict(CommunityMembership.objects.filter(community=community).values_list("user__email", "role"))
    assert roles == {"olivia@example.com": "organizer", "bob@example.com": "owner"}


def test_transfer_requires_the_owner_and_a_member(community, olivia, bob, otto, carol):
    services.community_member_add(community=community, user=bob)
    with pytest.raises(PermissionDenied):
        services.community_transfer_ownership(actor=otto, community=community, new_owner=bob)
    with pytest.raises(ValidationError):
        services.community_transfer_ownership(actor=olivia, community=community, new_owner=carol)


def test_only_the_owner_appoints_organizers(community, olivia, otto, bob):
    membership = services.community_member_add(community=community, user=bob)
    with pytest.raises(PermissionDenied):
        services.community_member_set_role(actor=otto, membership=membership, role=CommunityRole.ORGANIZER)
    services.community_member_set_role(actor=olivia, membership=membership, role=CommunityRole.ORGANIZER)
    assert CommunityMembership.objects.get(pk=membership.pk).role == CommunityRole.ORGANIZER


def test_email_invitation_is_sent_once_committed_and_bound_to_the_address(
    community, olivia, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            community=community,
            actor=olivia,
            kind=InvitationKind.EMAIL,
            email="New@Example.com ",
            message="Hi!",
        )
    assert invitation.email == "new@example.com"
    assert invitation.max_uses == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert f"/invite/{invitation.token}/" in mail.outbox[0].body
    assert "Hi!" in mail.outbox[0].body

    stranger = make_user("someone-else@example.com")
    with pytest.raises(InvitationUnusable):
        services.invitation_redeem(invitation=invitation, user=stranger)
    invited = make_user("new@example.com")
    membership = services.invitation_redeem(invitation=invitation, user=invited)
    assert membership.role == CommunityRole.MEMBER
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_link_invitation_honours_its_use_limit(community, olivia, make_user):
    invitation = services.invitation_create(
        community=community, actor=olivia, kind=InvitationKind.LINK, max_uses=2
    )
    first, second, third = (make_user(f"p{i}@example.com") for i in range(3))
    services.invitation_redeem(invitation=invitation, user=first)
    services.invitation_redeem(invitation=invitation, user=second)
    with pytest.raises(InvitationUnusable):
        services.invitation_redeem(invitation=invitation, user=third)
    assert not CommunityMembership.objects.filter(community=community, user=third).exists()


def test_a_member_reusing_a_link_uses_nothing_up(community, olivia, make_user):
    invitation = services.invitation_create(
        community=community, actor=olivia, kind=InvitationKind.LINK, max_uses=1
    )
    services.invitation_redeem(invitation=invitation, user=olivia)
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_expired_and_revoked_invitations_cannot_be_used(community, olivia, make_user):
    expiring = services.invitation_create(
        community=community, actor=olivia, kind=InvitationKind.LINK, days_valid=1, max_uses=5
    )
    revoked = services.invitation_create(
        community=community, actor=olivia, kind=InvitationKind.LINK, max_uses=5
    )
    services.invitation_revoke(actor=olivia, invitation=revoked)
    person = make_user("late@example.com")
    with pytest.raises(InvitationUnusable):
        services.invitation_redeem(invitation=revoked, user=person)
    with (
        time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)),
        pytest.raises(InvitationUnusable),
    ):
        services.invitation_redeem(invitation=expiring, user=person)


def test_invitation_rules(community, olivia, otto, bob):
    services.community_member_add(community=community, user=bob)
    with pytest.raises(PermissionDenied):
        services.invitation_create(community=community, actor=bob, kind=InvitationKind.LINK)
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            community=community,
            actor=otto,
            kind=InvitationKind.EMAIL,
            email="x@example.com",
            role=CommunityRole.ORGANIZER,
        )
    with pytest.raises(ValidationError):
        services.invitation_create(
            community=community, actor=olivia, kind=InvitationKind.LINK, days_valid=365
        )
    with pytest.raises(ValidationError):
        services.invitation_create(
            community=community, actor=olivia, kind=InvitationKind.EMAIL, email="not-an-email"
        )
    with pytest.raises(ValidationError):
        services.invitation_create(
            community=community,
            actor=olivia,
            kind=InvitationKind.EMAIL,
            email="x@example.com",
            role=CommunityRole.OWNER,
        )


def test_organizer_invitation_grants_the_organizer_role(community, olivia, make_user):
    invitation = services.invitation_create(
        community=community,
        actor=olivia,
        kind=InvitationKind.EMAIL,
        email="co@example.com",
        role=CommunityRole.ORGANIZER,
    )
    membership = services.invitation_redeem(invitation=invitation, user=make_user("co@example.com"))
    assert membership.role == CommunityRole.ORGANIZER
