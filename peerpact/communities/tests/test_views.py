from __future__ import annotations

import pytest
from django.urls import reverse

from peerpact.communities import services
from peerpact.communities.models import Community, CommunityInvitation, CommunityMembership, CommunityRole

pytestmark = pytest.mark.django_db


def test_creating_a_community_makes_me_owner_and_shows_next_step(client, erin):
    client.force_login(erin)
    response = client.post(
        reverse("communities:create"), {"name": "Makers", "description": "We make."}, follow=True
    )
    community = Community.objects.get(name="Makers")
    assert CommunityMembership.objects.get(community=community, user=erin).role == CommunityRole.OWNER
    assert "create its first circle" in response.content.decode()


def test_community_form_errors_keep_the_description(client, erin):
    client.force_login(erin)
    response = client.post(reverse("communities:create"), {"name": "", "description": "Long text I typed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Long text I typed" in html and "This field is required." in html
    assert not Community.objects.exists()


def test_organizer_creates_a_link_invitation_and_sees_it_listed(client, community, olivia):
    client.force_login(olivia)
    page = reverse("communities:invitations", kwargs={"slug": community.slug})
    response = client.post(page, {"action": "link", "days_valid": "7", "max_uses": "3"}, follow=True)
    invitation = CommunityInvitation.objects.get()
    html = response.content.decode()
    assert f"http://testserver/invite/{invitation.token}/" in html
    assert "3 uses left" in html


def test_invitation_form_errors_are_shown_and_nothing_is_created(client, community, olivia):
    client.force_login(olivia)
    page = reverse("communities:invitations", kwargs={"slug": community.slug})
    response = client.post(
        page, {"action": "email", "email": "nope", "message": "Hello there", "days_valid": "14"}
    )
    assert response.status_code == 400
    assert "Hello there" in response.content.decode()
    assert not CommunityInvitation.objects.exists()


def test_revoking_with_htmx_removes_the_row(client, community, olivia):
    invitation = services.invitation_create(community=community, actor=olivia, kind="link", max_uses=5)
    client.force_login(olivia)
    response = client.post(
        reverse(
            "communities:invitation-revoke", kwargs={"slug": community.slug, "invitation_id": invitation.pk}
        ),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and response.content == b""
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_owner_promotes_a_member_with_htmx_and_gets_the_row_back(client, community, olivia, bob):
    membership = services.community_member_add(community=community, user=bob)
    client.force_login(olivia)
    response = client.post(
        reverse("communities:member-role", kwargs={"slug": community.slug, "member_id": membership.pk}),
        {"role": "organizer"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.strip().startswith(f'<li id="member-{membership.pk}"')
    assert "Organizer" in html
    assert CommunityMembership.objects.get(pk=membership.pk).role == CommunityRole.ORGANIZER


def test_transfer_ownership_from_the_settings_page(client, community, olivia, bob):
    services.community_member_add(community=community, user=bob)
    client.force_login(olivia)
    transfer = reverse("communities:transfer", kwargs={"slug": community.slug})
    refused = client.post(transfer, {"new_owner": bob.pk})
    assert refused.status_code == 400  # the confirmation box was not ticked
    assert CommunityMembership.objects.get(community=community, user=olivia).role == CommunityRole.OWNER
    client.post(transfer, {"new_owner": bob.pk, "confirm": "on"})
    assert CommunityMembership.objects.get(community=community, user=bob).role == CommunityRole.OWNER


def test_owner_trying_to_leave_is_told_to_transfer_first(client, community, olivia):
    client.force_login(olivia)
    response = client.post(reverse("communities:leave", kwargs={"slug": community.slug}), follow=True)
    assert "Transfer ownership before you leave" in response.content.decode()
    assert CommunityMembership.objects.filter(community=community, user=olivia).exists()


def test_members_page_lists_people_without_emails_for_plain_members(client, circle, bob):
    client.force_login(bob)
    html = client.get(reverse("communities:members", kwargs={"slug": circle.community.slug})).content.decode()
    assert "Alice" in html and "Olivia" in html
    assert "alice@example.com" not in html
