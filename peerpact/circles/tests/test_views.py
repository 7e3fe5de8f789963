from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from peerpact.circles import services
from peerpact.circles.models import Circle, JoinPolicy, Membership, MembershipStatus, Visibility
from peerpact.communities.models import CommunityInvitation

pytestmark = pytest.mark.django_db


def url(name, circle, **extra):
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **extra})


def test_create_circle_form_keeps_everything_typed_when_invalid(client, community, olivia):
    client.force_login(olivia)
    response = client.post(
        reverse("communities:circle-create", kwargs={"slug": community.slug}),
        {
            "name": "Night Owls",
            "purpose": "study",
            "description": "We study late.",
            "charter": "1. **Show up**",
            "size_cap": "50",
            "timezone": "Asia/Kolkata",
            "visibility": "listed",
            "join_policy": "open",
            "status": "forming",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "We study late." in html and "1. **Show up**" in html and 'value="Night Owls"' in html
    assert "Ensure this value is less than or equal to 20" in html
    assert 'aria-invalid="true"' in html
    assert not Circle.objects.filter(name="Night Owls").exists()


def test_create_circle_makes_the_creator_facilitator_and_goes_to_invite(client, community, olivia):
    client.force_login(olivia)
    response = client.post(
        reverse("communities:circle-create", kwargs={"slug": community.slug}),
        {
            "name": "Night Owls",
            "purpose": "study",
            "size_cap": "6",
            "timezone": "Asia/Kolkata",
            "visibility": "listed",
            "join_policy": "open",
            "status": "forming",
            "application_questions": "",
        },
    )
    circle = Circle.objects.get(name="Night Owls")
    assert response.status_code == 302
    assert response["Location"] == url("circles:members", circle)
    assert Membership.objects.get(circle=circle, user=olivia).is_facilitator


def test_circle_page_renders_the_charter_as_sanitized_markdown(client, circle, alice, bob):
    services.circle_update(
        circle=circle, actor=alice, charter="**Kind** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    client.force_login(bob)
    html = client.get(url("circles:detail", circle)).content.decode()
    assert "<strong>Kind</strong>" in html
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_invited_member_sees_the_charter_and_joins_after_accepting(client, circle, alice, dave, other_circle):
    services.circle_invite(circle=circle, actor=alice, email=dave.email)
    client.force_login(dave)
    page = client.get(url("circles:detail", circle)).content.decode()
    assert "Accept the charter and join" in page and "Be kind. Be honest." in page

    refused = client.post(url("circles:accept", circle), {})
    assert refused.status_code == 400
    assert "Please read and accept the charter" in refused.content.decode()
    assert Membership.objects.get(circle=circle, user=dave).status == MembershipStatus.INVITED

    joined = client.post(url("circles:accept", circle), {"accept_charter": "on"})
    assert joined.status_code == 302
    assert Membership.objects.get(circle=circle, user=dave).status == MembershipStatus.ACTIVE


def test_join_request_form_keeps_answers_when_the_charter_box_is_unticked(
    client, circle, alice, dave, other_circle
):
    services.circle_update(
        circle=circle,
        actor=alice,
        join_policy=JoinPolicy.REQUEST,
        visibility=Visibility.LISTED,
        application_questions=["What are you working on?"],
    )
    client.force_login(dave)
    response = client.post(url("circles:join", circle), {"answer_0": "A novel about bees"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "A novel about bees" in html
    assert "Please read and accept the charter to join." in html
    assert Membership.objects.filter(circle=circle, user=dave).count() == 0

    response = client.post(
        url("circles:join", circle), {"answer_0": "A novel about bees", "accept_charter": "on"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(circle=circle, user=dave).status == MembershipStatus.REQUESTED


def test_facilitator_approves_a_request_with_htmx_and_gets_only_the_row(
    client, circle, alice, dave, other_circle
):
    services.circle_update(
        circle=circle, actor=alice, join_policy=JoinPolicy.REQUEST, visibility=Visibility.LISTED
    )
    membership = services.membership_request_join(circle=circle, user=dave, answers=[], charter_accepted=True)
    client.force_login(alice)
    response = client.post(
        url("circles:decide", circle, membership_id=membership.pk),
        {"decision": "approve", "message": "Hi"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<li id="membership-{membership.pk}"')
    assert "<html" not in html
    assert "Active" in html
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACTIVE


def test_facilitator_approves_without_javascript_and_is_redirected_with_a_message(
    client, circle, alice, dave, other_circle
):
    services.circle_update(
        circle=circle, actor=alice, join_policy=JoinPolicy.REQUEST, visibility=Visibility.LISTED
    )
    membership = services.membership_request_join(circle=circle, user=dave, answers=[], charter_accepted=True)
    client.force_login(alice)
    response = client.post(
        url("circles:decide", circle, membership_id=membership.pk), {"decision": "approve"}, follow=True
    )
    assert "Dave joined the circle." in response.content.decode()


def test_invite_form_reports_bad_addresses_and_keeps_the_message(client, circle, alice):
    client.force_login(alice)
    response = client.post(
        url("circles:members", circle), {"email": "not an email", "message": "Come along!"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Come along!" in html and "Enter a valid email address." in html
    assert not CommunityInvitation.objects.exists()


def test_inviting_a_stranger_from_the_members_page_emails_them(
    client, circle, alice, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("circles:members", circle), {"email": "new@example.com", "message": ""})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["new@example.com"]
    assert "http://testserver/invite/" in mail.outbox[0].body
    assert mail.outbox[0].alternatives  # an HTML part too


def test_anonymous_visitor_of_an_invitation_is_sent_back_to_it_after_signing_up(client, circle, alice):
    invitation = services.circle_invite(circle=circle, actor=alice, email="new@example.com")
    landing = client.get(reverse("invitation-accept", kwargs={"token": invitation.token}))
    assert landing.status_code == 200
    assert "Create an account" in landing.content.decode()

    signup = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "display_name": "Newcomer",
            "timezone": "Asia/Kathmandu",
        },
    )
    # The invitation proved the address, so there is no verification detour.
    assert signup.status_code == 302
    assert signup["Location"] == reverse("invitation-accept", kwargs={"token": invitation.token})
    accepted = client.post(signup["Location"])
    assert accepted["Location"] == url("circles:detail", circle)
    newcomer = Membership.objects.get(circle=circle, user__email="new@example.com")
    assert newcomer.status == MembershipStatus.INVITED
    assert newcomer.user.timezone == "Asia/Kathmandu"


def test_used_up_invitation_says_so_with_410(client, community, olivia, make_user):
    from peerpact.communities import services as community_services

    invitation = community_services.invitation_create(
        community=community, actor=olivia, kind="link", max_uses=1
    )
    community_services.invitation_redeem(invitation=invitation, user=make_user("first@example.com"))
    client.force_login(make_user("second@example.com"))
    response = client.get(reverse("invitation-accept", kwargs={"token": invitation.token}))
    assert response.status_code == 410
    assert "expired, been used up or been revoked" in response.content.decode()


def test_leaving_a_circle_asks_for_confirmation_first(client, circle, bob):
    client.force_login(bob)
    assert "Leave the circle" in client.get(url("circles:leave", circle)).content.decode()
    assert Membership.objects.get(circle=circle, user=bob).status == MembershipStatus.ACTIVE
    client.post(url("circles:leave", circle))
    assert Membership.objects.get(circle=circle, user=bob).status == MembershipStatus.LEFT


def test_only_facilitator_leaving_sees_the_reason(client, circle, alice):
    client.force_login(alice)
    response = client.post(url("circles:leave", circle), follow=True)
    assert "only facilitator" in response.content.decode()


def test_home_lists_my_circles_and_invitations(client, circle, alice, dave, other_circle):
    services.circle_invite(circle=circle, actor=alice, email=dave.email)
    client.force_login(dave)
    html = client.get("/").content.decode()
    assert "Invitations waiting for you" in html and "Weekly Wins" in html
    assert "Job Search" in html  # dave's own circle


def test_home_guides_a_newcomer_to_create_a_community(client, erin):
    client.force_login(erin)
    assert "not in a community yet" in client.get("/").content.decode()


def test_home_query_count_does_not_grow_with_circles(
    client, community, olivia, django_assert_max_num_queries
):
    for i in range(3):
        services.circle_create(community=community, creator=olivia, name=f"Circle {i}")
    client.force_login(olivia)
    with django_assert_max_num_queries(12) as small:
        client.get("/")
    for i in range(3, 15):
        services.circle_create(community=community, creator=olivia, name=f"Circle {i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/")


def test_community_page_query_count_does_not_grow_with_circles(
    client, community, olivia, django_assert_num_queries
):
    services.circle_create(community=community, creator=olivia, name="First")
    client.force_login(olivia)
    page = reverse("communities:detail", kwargs={"slug": community.slug})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(page)
    for i in range(10):
        services.circle_create(community=community, creator=olivia, name=f"More {i}")
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(page)


def test_a_full_circle_says_so_and_offers_the_waitlist(client, circle, alice, dave, other_circle):
    services.circle_update(
        circle=circle, actor=alice, join_policy=JoinPolicy.OPEN, visibility=Visibility.LISTED, size_cap=2
    )
    client.force_login(dave)
    html = client.get(url("circles:detail", circle)).content.decode()
    assert "This circle is full" in html and "Join the waitlist" in html
    client.post(url("circles:join", circle), {"accept_charter": "on"})
    assert Membership.objects.get(circle=circle, user=dave).status == MembershipStatus.WAITLISTED
    assert "You are on the waitlist" in client.get(url("circles:detail", circle)).content.decode()


def test_security_pages_render_inside_the_site_layout(client, bob):
    client.force_login(bob)
    for path in (
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/email/",
        "/accounts/password/change/",
    ):
        response = client.get(path)
        assert response.status_code in (200, 302), path
        if response.status_code == 200:
            assert 'class="skip-link"' in response.content.decode(), path


@pytest.mark.parametrize("leave", ["left", "declined"])
def test_former_members_no_longer_see_a_private_circle(client, circle, alice, bob, dave, other_circle, leave):
    if leave == "left":
        services.membership_leave(circle=circle, user=bob)
        person = bob
    else:
        services.circle_invite(circle=circle, actor=alice, email=dave.email)
        services.membership_decline_invitation(circle=circle, user=dave)
        person = dave
    client.force_login(person)
    assert client.get(url("circles:detail", circle)).status_code == 404
    assert (
        "Weekly Wins"
        not in client.get(
            reverse("communities:detail", kwargs={"slug": circle.community.slug})
        ).content.decode()
    )
