from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string

from peerpact.checkins import reminders
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, NewCommitment
from peerpact.circles.models import Membership, MembershipStatus
from peerpact.notifications.models import Message
from peerpact.roles import selectors, services, summaries
from peerpact.roles.models import CircleRole, RoleAssignment, RoleKind, SwapState
from peerpact.roles.tests.conftest import START

pytestmark = pytest.mark.django_db


def seat_of(user, circle):
    return Membership.objects.get(circle=circle, user=user)


def cycle(circle, index):
    return Cycle.objects.get(circle=circle, index=index)


def assign(circle, kind, cycle_, user):
    """Put `user` in the role directly, for tests that need a known holder."""
    services.roles_ensure(circle=circle)
    role = CircleRole.objects.get(circle=circle, kind=kind)
    assignment, _created = RoleAssignment.objects.update_or_create(
        role=role, cycle=cycle_, defaults={"membership": seat_of(user, circle), "assigned_at": START}
    )
    return assignment


def messages(kind, user=None):
    found = Message.objects.filter(kind=kind, channel="email")
    return found.filter(recipient=user) if user else found


# --- Roles --------------------------------------------------------------------------------------


def test_every_circle_gets_the_three_standard_roles_with_duties_once(weekly):
    services.roles_ensure(circle=weekly)
    services.roles_ensure(circle=weekly)
    roles = list(CircleRole.objects.filter(circle=weekly))
    assert [r.kind for r in roles] == [RoleKind.LEAD, RoleKind.SUMMARIZER, RoleKind.TRACKER]
    assert "review session" in roles[0].duties and "summary" in roles[1].duties
    assert "missed commitments" in roles[2].duties


def test_managers_add_edit_and_switch_off_roles_members_cannot(weekly, alice, bob):
    role = services.role_create(circle=weekly, actor=alice, name="Timekeeper", duties="Keeps time.")
    assert role.kind == RoleKind.CUSTOM and role.position == 4
    with pytest.raises(PermissionDenied):
        services.role_create(circle=weekly, actor=bob, name="Mine", duties="x")
    with pytest.raises(PermissionDenied):
        services.role_update(role=role, actor=bob, name="x", duties="y", is_active=False)
    services.role_update(role=role, actor=alice, name="Timekeeper", duties="Keeps time.", is_active=False)
    made = services.roles_assign(cycle=cycle(weekly, 1), now=START)
    assert role.pk not in {a.role_id for a in made} and len(made) == 3


def test_roles_go_round_and_a_second_run_does_nothing(weekly, alice, bob):
    first = services.roles_assign(cycle=cycle(weekly, 1), now=START)
    assert len(first) == 3
    assert services.roles_assign(cycle=cycle(weekly, 1), now=START) == []
    holders = [a.membership.user for a in first]
    assert {alice, bob} == set(holders)  # two people, three roles: both serve, one twice
    second = services.roles_assign(cycle=cycle(weekly, 2), now=cycle(weekly, 2).opens_at)
    totals = dict.fromkeys((alice, bob), 0)
    for a in [*first, *second]:
        totals[a.membership.user] += 1
    assert sorted(totals.values()) == [3, 3]


def test_paused_members_are_skipped(weekly, alice, bob):
    checkin_services.pause_start(
        membership=seat_of(bob, weekly),
        actor=bob,
        starts_on=START.date(),
        ends_on=START.date() + timedelta(days=6),
    )
    made = services.roles_assign(cycle=cycle(weekly, 1), now=START)
    assert {a.membership.user for a in made} == {alice}


def test_new_members_wait_out_their_first_cycle(weekly, alice, bob, make_user, clock):
    from conftest import seat

    clock.move_to(START + timedelta(days=1))
    carol = make_user("newbie@example.com", "Newbie")
    seat(weekly, carol, alice)
    c2 = cycle(weekly, 2)
    services.roles_assign(cycle=cycle(weekly, 1), now=START + timedelta(days=1))
    clock.move_to(c2.opens_at)
    checkin_services.cycles_ensure(circle=weekly, now=c2.opens_at)
    made = services.roles_assign(cycle=c2, now=c2.opens_at)
    assert carol not in {a.membership.user for a in made}  # joined during cycle 1: cycle 2 is her first
    c3 = cycle(weekly, 3)
    made = services.roles_assign(cycle=c3, now=c3.opens_at)
    assert carol in {a.membership.user for a in made}  # and she has served least


def test_worker_assigns_open_cycles_and_tells_each_holder_once(weekly, alice, bob):
    assert services.roles_rotate(now=START) is True
    assert RoleAssignment.objects.filter(cycle=cycle(weekly, 1)).count() == 3
    duty = messages("role.duty")
    assert duty.count() == 3  # one per assignment, whoever holds two roles gets two notes
    context = duty.first().context
    assert context["duties"] and context["deadline"] and context["review"]
    assert duty.first().url.endswith("/board/")
    assert services.roles_rotate(now=START + timedelta(minutes=5)) is False
    assert messages("role.duty").count() == 3


def test_worker_does_not_backfill_old_history(weekly):
    old = Cycle.objects.create(
        circle=weekly,
        index=99,
        opens_at=START - timedelta(weeks=10),
        deadline_at=START - timedelta(weeks=9),
        grace_until=START - timedelta(weeks=9),
        closes_at=START - timedelta(weeks=9),
    )
    services.roles_rotate(now=START)
    assert not RoleAssignment.objects.filter(cycle=old).exists()


# --- Swaps --------------------------------------------------------------------------------------


def test_a_swap_moves_the_role_when_the_other_member_accepts(weekly, alice, bob):
    assignment = assign(weekly, RoleKind.LEAD, cycle(weekly, 1), bob)
    swap = services.swap_request(
        assignment=assignment, actor=bob, offered_to=seat_of(alice, weekly), message="Away"
    )
    assert messages("role.swap", alice).count() == 1
    with pytest.raises(PermissionDenied):
        services.swap_accept(swap=swap, actor=bob)  # only the other side answers
    services.swap_accept(swap=swap, actor=alice)
    assignment.refresh_from_db()
    swap.refresh_from_db()
    assert assignment.membership.user == alice and assignment.swapped_from.user == bob
    assert swap.state == SwapState.ACCEPTED and swap.decided_at is not None
    assert messages("role.duty", alice).filter(context__swapped=True).count() == 1
    assert messages("role.swap", bob).count() == 1  # told it was accepted
    assert selectors.holder_of(circle=weekly, kind=RoleKind.LEAD, cycle=cycle(weekly, 1)).user == alice
    with pytest.raises(ValidationError):
        services.swap_accept(swap=swap, actor=alice)


def test_a_declined_swap_leaves_the_role_where_it_was(weekly, alice, bob):
    assignment = assign(weekly, RoleKind.TRACKER, cycle(weekly, 1), bob)
    swap = services.swap_request(assignment=assignment, actor=bob, offered_to=seat_of(alice, weekly))
    services.swap_decline(swap=swap, actor=alice)
    assignment.refresh_from_db()
    assert assignment.membership.user == bob and swap.state == SwapState.DECLINED


def test_only_the_holder_or_a_manager_asks_and_only_one_request_waits(weekly, alice, bob, olivia, make_user):
    from conftest import seat

    carl = make_user("carl@example.com", "Carl")
    seat(weekly, carl, alice)
    assignment = assign(weekly, RoleKind.SUMMARIZER, cycle(weekly, 1), bob)
    with pytest.raises(PermissionDenied):
        services.swap_request(assignment=assignment, actor=carl, offered_to=seat_of(alice, weekly))
    with pytest.raises(ValidationError):
        services.swap_request(assignment=assignment, actor=bob, offered_to=seat_of(bob, weekly))
    swap = services.swap_request(assignment=assignment, actor=olivia, offered_to=seat_of(alice, weekly))
    assert swap.requested_by.user == bob and swap.created_by == olivia
    with pytest.raises(ValidationError):
        services.swap_request(assignment=assignment, actor=bob, offered_to=seat_of(carl, weekly))
    with pytest.raises(PermissionDenied):
        services.swap_cancel(swap=swap, actor=carl)
    services.swap_cancel(swap=swap, actor=bob)
    assert services.swap_request(
        assignment=assignment, actor=bob, offered_to=seat_of(carl, weekly)
    ).is_pending


def test_paused_members_cannot_be_offered_a_role(weekly, alice, bob):
    assignment = assign(weekly, RoleKind.LEAD, cycle(weekly, 1), alice)
    Membership.objects.filter(pk=seat_of(bob, weekly).pk).update(status=MembershipStatus.PAUSED)
    with pytest.raises(ValidationError):
        services.swap_request(assignment=assignment, actor=alice, offered_to=seat_of(bob, weekly))


# --- Summaries ----------------------------------------------------------------------------------


def _check_ins(circle, alice, bob):
    c1 = cycle(circle, 1)
    checkin_services.checkin_submit(
        membership=seat_of(alice, circle),
        cycle=c1,
        actor=alice,
        expected_version=None,
        answers=CheckinAnswers(
            wins="Shipped the landing page",
            blockers="Slow reviews",
            help_request="Who knows SQL?",
            next_commitments=[NewCommitment("Write two posts")],
        ),
    )
    checkin_services.checkin_submit(
        membership=seat_of(bob, circle),
        cycle=c1,
        actor=bob,
        expected_version=None,
        answers=CheckinAnswers(
            wins="Private victory",
            help_request="Secret help",
            visibility="facilitators",
            next_commitments=[NewCommitment("Hidden plan")],
        ),
    )
    return c1


def test_the_draft_quotes_only_updates_shared_with_the_circle(weekly, alice, bob):
    c1 = _check_ins(weekly, alice, bob)
    draft = summaries.summary_draft(c1, now=c1.grace_until + timedelta(hours=1))
    assert "2 of 2 members checked in" in draft
    assert "- Alice: checked in on time" in draft and "- Bob: checked in on time" in draft
    assert "Shipped the landing page" in draft and "Slow reviews" in draft and "Who knows SQL?" in draft
    assert "Write two posts" in draft
    assert "Private victory" not in draft and "Secret help" not in draft and "Hidden plan" not in draft


def test_the_draft_says_who_missed(weekly, alice, bob):
    c1 = cycle(weekly, 1)
    draft = summaries.summary_draft(c1, now=c1.closes_at + timedelta(hours=1))
    assert "0 of 2 members checked in" in draft and "- Bob: no update" in draft


def test_only_the_summarizer_or_managers_edit_and_publishing_tells_members_once(weekly, alice, bob, otto):
    c1 = cycle(weekly, 1)
    assign(weekly, RoleKind.SUMMARIZER, c1, alice)
    with pytest.raises(PermissionDenied):
        summaries.summary_save(cycle=c1, actor=bob, text="Mine")
    draft = summaries.summary_save(cycle=c1, actor=otto, text="Draft by the organizer")
    assert draft.published_at is None
    with pytest.raises(ValidationError):
        summaries.summary_save(cycle=c1, actor=alice, text="   ")
    published = summaries.summary_publish(cycle=c1, actor=alice, text="Great week, all.")
    assert published.is_published and published.author == alice
    assert messages("circle.summary", bob).count() == 1
    assert messages("circle.summary", alice).count() == 0  # the author wrote it
    summaries.summary_publish(cycle=c1, actor=alice, text="Great week, all. Edited.")
    assert messages("circle.summary").count() == 1


def test_a_member_holding_the_summarizer_role_may_publish(weekly, alice, bob):
    c1 = cycle(weekly, 1)
    assign(weekly, RoleKind.SUMMARIZER, c1, bob)
    assert summaries.summary_publish(cycle=c1, actor=bob, text="Bob's summary").is_published
    assert messages("circle.summary", alice).count() == 1


def test_the_digest_carries_the_published_summary(weekly, alice, bob):
    c1 = cycle(weekly, 1)
    assert "summary" not in reminders._digest_context(c1)
    summaries.summary_publish(cycle=c1, actor=alice, text="We did it together.")
    context = reminders._digest_context(c1)
    assert context["summary"] == {"cycle": 1, "text": "We did it together.", "author": "Alice"}
    text = render_to_string("emails/circle_digest.txt", {**context, "recipient": bob, "url": "/x"})
    html = render_to_string("emails/circle_digest.html", {**context, "recipient": bob, "url": "/x"})
    assert "We did it together." in text and "We did it together." in html


def test_a_summary_published_after_its_digest_rides_in_the_next_one(weekly, alice, clock):
    c1, c2 = cycle(weekly, 1), cycle(weekly, 2)
    clock.move_to(c1.grace_until + timedelta(hours=2))
    summaries.summary_publish(cycle=c1, actor=alice, text="Late but here.")
    assert reminders._digest_context(c2)["summary"]["cycle"] == 1


def test_the_worker_digest_includes_the_summary_end_to_end(weekly, alice, bob, clock):
    c1 = cycle(weekly, 1)
    summaries.summary_publish(cycle=c1, actor=alice, text="Summary in the digest.")
    reminders.reminders_schedule(now=c1.grace_until)
    digest = Message.objects.get(kind="circle.digest", recipient=bob, channel="email")
    assert digest.context["summary"]["text"] == "Summary in the digest."


# --- Reads for other apps -----------------------------------------------------------------------


def test_roles_for_user_lists_roles_in_open_cycles(weekly, alice, bob):
    assign(weekly, RoleKind.TRACKER, cycle(weekly, 1), bob)
    mine = selectors.roles_for_user(user=bob, now=START)
    assert [a.role.kind for a in mine] == [RoleKind.TRACKER]
    assert selectors.roles_for_user(user=bob, now=cycle(weekly, 1).closes_at + timedelta(days=1)) == []
    assert selectors.holder_of(circle=weekly, kind=RoleKind.TRACKER, cycle=cycle(weekly, 1)).user == bob
    assert selectors.holder_of(circle=weekly, kind=RoleKind.LEAD, cycle=cycle(weekly, 1)) is None


def test_a_circle_whose_people_all_joined_late_gets_roles_from_its_second_cycle(
    community, olivia, make_user, clock
):
    from conftest import seat
    from peerpact.checkins.services import RhythmSpec
    from peerpact.circles import services as circle_services

    fresh = circle_services.circle_create(
        community=community, creator=olivia, name="Late Starters", facilitate=False
    )
    checkin_services.rhythm_set(circle=fresh, actor=olivia, spec=RhythmSpec(weekdays=["FR"]))
    clock.move_to(START + timedelta(hours=2))
    for n in range(3):
        seat(fresh, make_user(f"late{n}@example.com", f"Late {n}"), olivia)
    assert services.roles_rotate(now=START + timedelta(hours=3)) is False  # cycle 1: nobody was there
    c2 = cycle(fresh, 2)
    clock.move_to(c2.opens_at)
    assert services.roles_rotate(now=c2.opens_at) is True
    assert RoleAssignment.objects.filter(cycle=c2).values("membership").distinct().count() == 3
