from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import seat
from peerpact.circles import services
from peerpact.circles.models import JoinPolicy, MemberRole, Membership, MembershipStatus, Visibility
from peerpact.communities import services as community_services
from peerpact.communities.models import CommunityInvitation, CommunityMembership, InvitationKind

pytestmark = pytest.mark.django_db


def deliver():
    """Run the worker's delivery unit until the outbox is empty (messages are rows first)."""
    from django.utils import timezone

    from peerpact.notifications import outbox

    for _ in range(100):  # bounded: a delivery bug must fail the test, not hang it
        if not outbox.outbox_deliver_batch(now=timezone.now()):
            return
    raise AssertionError("the outbox never emptied")


def status_of(circle, user):
    return Membership.objects.get(circle=circle, user=user).status


def test_creator_facilitates_a_new_circle_with_the_charter_accepted(community, olivia):
    circle = services.circle_create(community=community, creator=olivia, name="Runners", charter="Run.")
    membership = Membership.objects.get(circle=circle, user=olivia)
    assert membership.role == MemberRole.FACILITATOR
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.charter_accepted_at is not None


def test_members_create_circles_only_when_the_community_allows_it(community, olivia, bob):
    community_services.community_member_add(community=community, user=bob)
    with pytest.raises(PermissionDenied):
        services.circle_create(community=community, creator=bob, name="Mine")
    community_services.community_update(
        community=community,
        actor=olivia,
        name=community.name,
        description="",
        members_can_create_circles=True,
    )
    community.__dict__.pop("_membership_cache", None)
    assert services.circle_create(community=community, creator=bob, name="Mine").slug == "mine"


@pytest.mark.parametrize("cap", [1, 21])
def test_size_cap_must_be_between_2_and_20(community, olivia, cap):
    with pytest.raises(ValidationError):
        services.circle_create(community=community, creator=olivia, name="Odd", size_cap=cap)


def test_size_cap_cannot_drop_below_the_seated_members(circle, olivia, make_user):
    seat(circle, make_user("third@example.com"), olivia)  # alice, bob and now a third
    with pytest.raises(ValidationError) as error:
        services.circle_update(circle=circle, actor=olivia, size_cap=2)
    assert "size_cap" in error.value.message_dict
    assert services.circle_update(circle=circle, actor=olivia, size_cap=3).size_cap == 3


def test_changing_the_charter_dates_it_so_members_reaccept(circle, alice, bob):
    services.circle_update(circle=circle, actor=alice, charter="New rules.")
    circle.refresh_from_db()
    assert circle.charter_updated_at is not None
    assert Membership.objects.get(circle=circle, user=bob).needs_charter_reaccept()


def test_members_cannot_change_the_circle(circle, bob):
    with pytest.raises(PermissionDenied):
        services.circle_update(circle=circle, actor=bob, name="Mine now")


def test_inviting_a_community_member_creates_an_invited_membership_and_emails_them(
    circle, alice, dave, other_circle, django_capture_on_commit_callbacks
):
    deliver()  # what the fixtures' seating queued
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.circle_invite(
            circle=circle, actor=alice, email="DAVE@example.com", message="Join us"
        )
    assert membership.status == MembershipStatus.INVITED
    assert membership.invited_by == alice
    assert mail.outbox == []  # queued in the outbox, sent by the worker
    deliver()
    assert [m.to for m in mail.outbox] == [["dave@example.com"]]
    assert "Weekly Wins" in mail.outbox[0].subject


def test_inviting_a_stranger_sends_a_community_invitation_that_names_the_circle(
    circle, alice, make_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.circle_invite(circle=circle, actor=alice, email="new@example.com")
    assert isinstance(invitation, CommunityInvitation)
    assert invitation.circle == circle and invitation.kind == InvitationKind.EMAIL
    assert mail.outbox[0].to == ["new@example.com"]

    newcomer = make_user("new@example.com")
    services.invitation_accept(invitation=invitation, user=newcomer)
    assert CommunityMembership.objects.filter(community=circle.community, user=newcomer).exists()
    assert status_of(circle, newcomer) == MembershipStatus.INVITED
    joined = services.membership_accept_invitation(circle=circle, user=newcomer, charter_accepted=True)
    assert joined.status == MembershipStatus.ACTIVE


def test_inviting_someone_already_in_the_circle_is_refused(circle, alice, bob):
    with pytest.raises(ValidationError):
        services.circle_invite(circle=circle, actor=alice, email=bob.email)


def test_joining_requires_accepting_the_charter(circle, alice, dave):
    community_services.community_member_add(community=circle.community, user=dave)
    services.circle_invite(circle=circle, actor=alice, email=dave.email)
    with pytest.raises(ValidationError):
        services.membership_accept_invitation(circle=circle, user=dave, charter_accepted=False)
    assert status_of(circle, dave) == MembershipStatus.INVITED


def test_declining_an_invitation(circle, alice, dave):
    community_services.community_member_add(community=circle.community, user=dave)
    services.circle_invite(circle=circle, actor=alice, email=dave.email)
    services.membership_decline_invitation(circle=circle, user=dave)
    assert status_of(circle, dave) == MembershipStatus.DECLINED
    with pytest.raises(PermissionDenied):
        services.membership_accept_invitation(circle=circle, user=dave, charter_accepted=True)


def test_invite_only_circles_refuse_requests(circle, dave):
    community_services.community_member_add(community=circle.community, user=dave)
    with pytest.raises(PermissionDenied):
        services.membership_request_join(circle=circle, user=dave, answers=[], charter_accepted=True)


def _open_up(circle, actor, policy, questions=()):
    return services.circle_update(
        circle=circle,
        actor=actor,
        join_policy=policy,
        visibility=Visibility.LISTED,
        application_questions=list(questions),
    )


def test_open_circles_seat_members_straight_away(circle, alice, dave, other_circle):
    _open_up(circle, alice, JoinPolicy.OPEN)
    membership = services.membership_request_join(circle=circle, user=dave, answers=[], charter_accepted=True)
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.joined_at is not None


def test_request_circles_need_answers_then_a_decision(
    circle, alice, dave, other_circle, django_capture_on_commit_callbacks
):
    _open_up(circle, alice, JoinPolicy.REQUEST, ["Why this circle?"])
    deliver()  # what the fixtures' seating queued
    mail.outbox.clear()
    with pytest.raises(ValidationError):
        services.membership_request_join(circle=circle, user=dave, answers=[" "], charter_accepted=True)
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.membership_request_join(
            circle=circle, user=dave, answers=["To ship my thesis"], charter_accepted=True
        )
    assert membership.status == MembershipStatus.REQUESTED
    assert membership.application_answers == [{"question": "Why this circle?", "answer": "To ship my thesis"}]
    deliver()
    assert [m.to for m in mail.outbox] == [[alice.email]]  # the facilitator hears about it
    assert "To ship my thesis" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        decided = services.membership_decide(
            actor=alice, membership=membership, approve=True, message="Welcome!"
        )
    assert decided.status == MembershipStatus.ACTIVE
    deliver()
    assert mail.outbox[-1].to == [dave.email]
    assert "Welcome!" in mail.outbox[-1].body


def test_a_declined_request_keeps_the_message_and_may_be_asked_again(circle, alice, dave, other_circle):
    _open_up(circle, alice, JoinPolicy.REQUEST)
    membership = services.membership_request_join(circle=circle, user=dave, answers=[], charter_accepted=True)
    services.membership_decide(actor=alice, membership=membership, approve=False, message="Full of founders")
    membership.refresh_from_db()
    assert (membership.status, membership.decision_message) == (MembershipStatus.DECLINED, "Full of founders")
    again = services.membership_request_join(circle=circle, user=dave, answers=[], charter_accepted=True)
    assert again.status == MembershipStatus.REQUESTED


def test_members_cannot_decide_on_requests(circle, alice, bob, dave, other_circle):
    _open_up(circle, alice, JoinPolicy.REQUEST)
    membership = services.membership_request_join(circle=circle, user=dave, answers=[], charter_accepted=True)
    with pytest.raises(PermissionDenied):
        services.membership_decide(actor=bob, membership=membership, approve=True)


def test_a_full_open_circle_waitlists_and_promotes_the_longest_waiting_when_a_seat_frees(
    circle, alice, bob, olivia, make_user
):
    _open_up(circle, alice, JoinPolicy.OPEN)
    services.circle_update(circle=circle, actor=alice, size_cap=2)
    first, second = make_user("w1@example.com"), make_user("w2@example.com")
    for person in (first, second):
        community_services.community_member_add(community=circle.community, user=person)
        joined = services.membership_request_join(
            circle=circle, user=person, answers=[], charter_accepted=True
        )
        assert joined.status == MembershipStatus.WAITLISTED

    services.membership_leave(circle=circle, user=bob)
    assert status_of(circle, first) == MembershipStatus.ACTIVE
    assert status_of(circle, second) == MembershipStatus.WAITLISTED
    assert Membership.objects.filter(circle=circle).seated().count() == 2


def test_approving_into_a_full_request_circle_waitlists(circle, alice, make_user):
    _open_up(circle, alice, JoinPolicy.REQUEST)
    services.circle_update(circle=circle, actor=alice, size_cap=2)
    person = make_user("late@example.com")
    community_services.community_member_add(community=circle.community, user=person)
    membership = services.membership_request_join(
        circle=circle, user=person, answers=[], charter_accepted=True
    )
    assert services.membership_decide(actor=alice, membership=membership, approve=True).status == "waitlisted"
    with pytest.raises(services.CircleFull):
        services.membership_decide(actor=alice, membership=membership, approve=True)


def test_removed_members_of_open_circles_must_ask_again(circle, alice, bob):
    _open_up(circle, alice, JoinPolicy.OPEN)
    services.membership_remove(actor=alice, membership=Membership.objects.get(circle=circle, user=bob))
    assert status_of(circle, bob) == MembershipStatus.REMOVED
    again = services.membership_request_join(circle=circle, user=bob, answers=[], charter_accepted=True)
    assert again.status == MembershipStatus.REQUESTED


def test_the_only_facilitator_cannot_leave_a_circle_with_members(circle, alice, bob):
    with pytest.raises(ValidationError):
        services.membership_leave(circle=circle, user=alice)
    services.membership_set_role(
        actor=alice, membership=Membership.objects.get(circle=circle, user=bob), role=MemberRole.FACILITATOR
    )
    assert services.membership_leave(circle=circle, user=alice).status == MembershipStatus.LEFT


def test_a_circle_keeps_at_least_one_facilitator(circle, alice):
    with pytest.raises(ValidationError):
        services.membership_set_role(
            actor=alice, membership=Membership.objects.get(circle=circle, user=alice), role=MemberRole.MEMBER
        )


def test_facilitators_cannot_remove_themselves(circle, alice):
    with pytest.raises(ValidationError):
        services.membership_remove(actor=alice, membership=Membership.objects.get(circle=circle, user=alice))


def test_leaving_a_community_ends_its_circle_memberships(circle, bob):
    services.community_leave(community=circle.community, user=bob)
    assert status_of(circle, bob) == MembershipStatus.LEFT
    assert not CommunityMembership.objects.filter(community=circle.community, user=bob).exists()


def test_the_owner_cannot_leave_without_transferring(community, olivia):
    with pytest.raises(ValidationError):
        services.community_leave(community=community, user=olivia)


def test_removing_from_the_community_ends_circle_memberships_and_respects_rank(
    circle, olivia, otto, alice, bob
):
    bob_in_community = CommunityMembership.objects.get(community=circle.community, user=bob)
    with pytest.raises(PermissionDenied):
        services.community_member_remove(actor=alice, membership=bob_in_community)
    services.community_member_remove(actor=otto, membership=bob_in_community)
    assert status_of(circle, bob) == MembershipStatus.LEFT
    otto_membership = CommunityMembership.objects.get(community=circle.community, user=otto)
    olivia_membership = CommunityMembership.objects.get(community=circle.community, user=olivia)
    with pytest.raises(PermissionDenied):
        services.community_member_remove(actor=otto, membership=olivia_membership)
    services.community_member_remove(actor=olivia, membership=otto_membership)


def test_a_seated_member_must_have_accepted_the_charter_at_the_database_level(circle, dave):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(circle=circle, user=dave, status=MembershipStatus.ACTIVE)
