"""Double-submitted forms and two tabs: the same HTML form sent twice never makes a second row and
never loses what was saved (a second click, a browser resend, the same page open twice)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles import services as circle_services
from peerpact.circles.models import JoinPolicy, Membership, MembershipStatus, Visibility
from peerpact.communities import services as community_services
from peerpact.communities.models import CommunityInvitation, CommunityMembership
from peerpact.feedback.models import Comment, Kudos
from peerpact.formation.models import Application
from peerpact.formation.tests.test_apply_views import apply_url, form_data

pytestmark = pytest.mark.django_db


def u(name: str, circle: Any, **kwargs: Any) -> str:
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **kwargs})


def twice(client: Any, url: str, data: dict[str, Any]) -> tuple[Any, Any]:
    return client.post(url, data), client.post(url, data)


def bob_checkin(weekly: Any, bob: Any) -> Checkin:
    return checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=weekly, user=bob),
        cycle=Cycle.objects.get(circle=weekly, index=1),
        actor=bob,
        answers=CheckinAnswers(wins="Ran 21 km"),
        expected_version=None,
    )


def test_a_check_in_sent_twice_is_one_check_in_and_keeps_the_first_save(client, weekly, bob):
    client.force_login(bob)
    data = {"visibility": "circle", "version": "0", "wins": "Shipped the draft"}
    first, second = twice(client, u("checkins:checkin", weekly), data)
    assert first.status_code == 302
    assert second.status_code == 409  # the stale-edit page showing both versions, never a second row
    saved = Checkin.objects.get()
    assert (saved.wins, saved.version) == ("Shipped the draft", 1)
    # The other tab's stale copy never overwrites silently: it is shown both versions (409).
    stale = client.post(u("checkins:checkin", weekly), {**data, "wins": "From the other tab"})
    assert stale.status_code == 409
    assert Checkin.objects.get().wins == "Shipped the draft"


def test_an_application_sent_twice_is_one_application(client, open_intake, bob, circle):
    client.force_login(bob)
    first, second = twice(client, apply_url(open_intake), form_data(open_intake))
    assert first.status_code == second.status_code == 302
    assert Application.objects.filter(intake=open_intake, user=bob).count() == 1
    # A later change from another tab updates the one row instead of adding one.
    client.post(apply_url(open_intake), form_data(open_intake, note="Changed in the other tab"))
    assert Application.objects.get().note == "Changed in the other tab"


def test_kudos_sent_twice_stay_given(client, weekly, bob, alice):
    checkin = bob_checkin(weekly, bob)
    client.force_login(alice)
    url = u("feedback:kudos-toggle", weekly, kind="checkin", target_id=checkin.pk)
    give = {"reaction": "clap", "give": "1"}
    twice(client, url, give)
    assert Kudos.objects.filter(author=alice, reaction="clap").count() == 1  # not given then taken back
    take_back = {"reaction": "clap", "give": "0"}
    twice(client, url, take_back)
    assert not Kudos.objects.exists()
    client.post(url, {"reaction": "party"})  # a page without the wanted state still toggles
    assert Kudos.objects.filter(reaction="party").count() == 1


def test_the_kudos_button_asks_for_the_state_it_shows(client, weekly, bob, alice):
    checkin = bob_checkin(weekly, bob)
    client.force_login(alice)
    page = client.get(u("checkins:checkin-detail", weekly, checkin_id=checkin.pk)).content.decode()
    assert 'name="give" value="1"' in page and 'name="give" value="0"' not in page
    client.post(
        u("feedback:kudos-toggle", weekly, kind="checkin", target_id=checkin.pk),
        {"reaction": "clap", "give": "1"},
    )
    page = client.get(u("checkins:checkin-detail", weekly, checkin_id=checkin.pk)).content.decode()
    assert 'name="give" value="0"' in page


def test_a_comment_sent_twice_is_posted_once(client, weekly, bob, alice, clock):
    from datetime import timedelta

    from django.utils import timezone

    from peerpact.feedback.services import DUPLICATE_COMMENT_WINDOW

    checkin = bob_checkin(weekly, bob)
    client.force_login(alice)
    url = u("feedback:comment-add", weekly, checkin_id=checkin.pk)
    first, second = twice(client, url, {"comment-body": "Great pace!"})
    assert first.status_code == second.status_code == 302
    assert Comment.objects.filter(checkin=checkin, author=alice).count() == 1
    client.post(url, {"comment-body": "Another thought"})  # different text: a new comment
    clock.move_to(timezone.now() + DUPLICATE_COMMENT_WINDOW + timedelta(seconds=1))
    client.post(url, {"comment-body": "Great pace!"})  # the same words later on: said again on purpose
    assert Comment.objects.filter(checkin=checkin, author=alice).count() == 3


@pytest.mark.parametrize("policy", [JoinPolicy.OPEN, JoinPolicy.REQUEST])
def test_a_join_request_sent_twice_is_one_membership(client, circle, alice, dave, other_circle, policy):
    circle_services.circle_update(
        circle=circle,
        actor=alice,
        join_policy=policy,
        visibility=Visibility.LISTED,
        application_questions=["What are you working on?"] if policy == JoinPolicy.REQUEST else [],
    )
    client.force_login(dave)
    first, second = twice(client, u("circles:join", circle), {"answer_0": "Bees", "accept_charter": "on"})
    assert first.status_code == second.status_code == 302
    membership = Membership.objects.get(circle=circle, user=dave)
    expected = MembershipStatus.ACTIVE if policy == JoinPolicy.OPEN else MembershipStatus.REQUESTED
    assert membership.status == expected


def test_accepting_a_circle_invitation_twice_joins_once(client, circle, alice, dave, other_circle):
    circle_services.circle_invite(circle=circle, actor=alice, email=dave.email)
    client.force_login(dave)
    first, second = twice(client, u("circles:accept", circle), {"accept_charter": "on"})
    assert first.status_code == 302
    assert second.status_code == 403  # the invitation is used: refused, nothing changes (see docs)
    assert Membership.objects.get(circle=circle, user=dave).status == MembershipStatus.ACTIVE


def test_a_community_invitation_accepted_twice_uses_one_place(client, community, olivia, make_user):
    invitation = community_services.invitation_create(
        community=community, actor=olivia, kind="link", max_uses=2
    )
    newcomer = make_user("new@example.com", "New")
    client.force_login(newcomer)
    twice(client, reverse("invitation-accept", kwargs={"token": invitation.token}), {})
    assert CommunityMembership.objects.filter(community=community, user=newcomer).count() == 1
    invitation.refresh_from_db()
    assert invitation.use_count == 1


def test_two_tabs_accepting_at_once_use_one_place(community, olivia, make_user, monkeypatch):
    """The other tab's accept lands between this one's "already a member?" check and its write: the
    membership exists once and only one use is counted (the other tab counted it)."""
    invitation = community_services.invitation_create(
        community=community, actor=olivia, kind="link", max_uses=2
    )
    newcomer = make_user("new@example.com", "New")
    real_is_usable = CommunityInvitation.is_usable

    def other_tab_wins_meanwhile(self: Any, now: Any) -> bool:
        if not CommunityMembership.objects.filter(community=community, user=newcomer).exists():
            CommunityMembership.objects.create(community=community, user=newcomer, role=invitation.role)
            CommunityInvitation.objects.filter(pk=invitation.pk).update(use_count=1)
        return real_is_usable(self, now)

    monkeypatch.setattr(CommunityInvitation, "is_usable", other_tab_wins_meanwhile)
    membership = community_services.invitation_redeem(invitation=invitation, user=newcomer)
    assert membership.user == newcomer
    assert CommunityMembership.objects.filter(community=community, user=newcomer).count() == 1
    invitation.refresh_from_db()
    assert invitation.use_count == 1


# --- Truly simultaneous: two threads, two connections (PostgreSQL) -------------------------------


def race(user: Any, url: str, data: dict[str, Any]) -> list[int]:
    """POST `data` to `url` from two threads at the same moment, as `user`; their status codes."""
    import threading

    from django.db import connections
    from django.test import Client

    start = threading.Barrier(2)
    statuses: list[int] = []

    def send() -> None:
        try:
            client = Client()
            client.force_login(user)
            start.wait()
            statuses.append(client.post(url, data).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: threads with their own connections"
)
def test_simultaneous_submits_make_one_row_each(weekly, bob, alice):
    checkin = bob_checkin(weekly, bob)
    comment_url = u("feedback:comment-add", weekly, checkin_id=checkin.pk)
    assert race(alice, comment_url, {"comment-body": "Same moment"}) == [302, 302]
    assert Comment.objects.filter(checkin=checkin, author=alice).count() == 1
    kudos_url = u("feedback:kudos-toggle", weekly, kind="checkin", target_id=checkin.pk)
    assert race(alice, kudos_url, {"reaction": "clap", "give": "1"}) == [302, 302]
    assert Kudos.objects.filter(author=alice, reaction="clap").count() == 1
    Checkin.objects.all().delete()
    data = {"visibility": "circle", "version": "0", "wins": "Both tabs"}
    assert race(bob, u("checkins:checkin", weekly), data) == [302, 409]
    assert Checkin.objects.get().version == 1
