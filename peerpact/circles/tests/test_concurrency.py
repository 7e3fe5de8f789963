from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from peerpact.circles import services
from peerpact.circles.models import JoinPolicy, Membership, MembershipStatus, Visibility
from peerpact.communities import services as community_services
from peerpact.communities.models import CommunityMembership, InvitationKind


def _race(workers):
    """Start every callable at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(work):
        try:
            barrier.wait()
            work()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_the_last_seat_never_overfill_the_circle(circle, alice, make_user):
    services.circle_update(
        circle=circle, actor=alice, join_policy=JoinPolicy.OPEN, visibility=Visibility.LISTED, size_cap=3
    )
    racers = [make_user(f"racer{i}@example.com") for i in range(4)]
    for person in racers:
        community_services.community_member_add(community=circle.community, user=person)

    errors = _race(
        [
            lambda person=person: services.membership_request_join(
                circle=circle, user=person, answers=[], charter_accepted=True
            )
            for person in racers
        ]
    )
    assert errors == []
    statuses = sorted(Membership.objects.filter(user__in=racers).values_list("status", flat=True))
    assert statuses == [MembershipStatus.ACTIVE] + [MembershipStatus.WAITLISTED] * 3
    assert Membership.objects.filter(circle=circle).seated().count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_single_use_link_admits_exactly_one_of_several_racers(community, olivia, make_user):
    invitation = community_services.invitation_create(
        community=community, actor=olivia, kind=InvitationKind.LINK, max_uses=1
    )
    racers = [make_user(f"link{i}@example.com") for i in range(4)]
    errors = _race(
        [
            lambda person=person: community_services.invitation_redeem(invitation=invitation, user=person)
            for person in racers
        ]
    )
    assert len(errors) == 3
    assert all(isinstance(e, community_services.InvitationUnusable) for e in errors)
    assert CommunityMembership.objects.filter(community=community, user__in=racers).count() == 1
    invitation.refresh_from_db()
    assert invitation.use_count == 1
