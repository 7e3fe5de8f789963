"""The re-engagement ladder, step by step on a frozen clock: bob drifts; alice (facilitator) and carl
keep checking in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import seat
from peerpact.checkins import services as checkin_services
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.engagement.models import ReengagementCase, Resolution
from peerpact.engagement.services import ladder, reengagement_advance
from peerpact.notifications.models import Channel, Message, MessageState
from peerpact.safety.models import Block

from .conftest import check_in, grace_end

pytestmark = pytest.mark.django_db

AFTER = timedelta(minutes=1)


@pytest.fixture
def carl(make_user, weekly, alice):
    user = make_user("carl@example.com", "Carl")
    seat(weekly, user, alice)
    return user


@pytest.fixture
def as_tracker(monkeypatch):
    """Stands in for roles.selectors.holder_of: whoever the test names is the goal tracker."""
    holder: dict[str, object] = {}
    monkeypatch.setattr(ladder, "_tracker_of", lambda circle, now: holder.get("user"))
    return holder


def run(clock, circle, when) -> bool:
    """The worker at `when`: cycles open (as cycles_materialize does), then the ladder moves."""
    clock.move_to(when)
    checkin_services.cycles_ensure(circle=circle, now=when)
    return reengagement_advance(now=when)


def sent(kind: str, user=None) -> list[str]:
    found = Message.objects.filter(kind=kind, channel=Channel.EMAIL).exclude(state=MessageState.CANCELLED)
    if user is not None:
        found = found.filter(recipient=user)
    return sorted(found.values_list("recipient__display_name", flat=True))


def bob_case(circle, bob) -> ReengagementCase | None:
    return (
        ReengagementCase.objects.filter(membership__circle=circle, membership__user=bob)
        .order_by("-pk")
        .first()
    )


def others_check_in(circle, people, *cycles) -> None:
    for k in cycles:
        for user in people:
            check_in(circle, user, k)


def test_the_ladder_moves_one_step_per_missed_cycle(weekly, alice, bob, carl, olivia, clock, as_tracker):
    as_tracker["user"] = carl
    others_check_in(weekly, [alice, carl], 1, 2, 3, 4, 5)

    assert not run(clock, weekly, grace_end(1) + AFTER)  # one miss: nothing
    assert bob_case(weekly, bob) is None and sent("engagement.nudge") == []

    assert run(clock, weekly, grace_end(2) + AFTER)  # the 2nd miss is final: a private nudge
    case = bob_case(weekly, bob)
    assert case is not None and case.step == 1 and case.started_cycle.index == 2
    assert sent("engagement.nudge") == ["Bob"]
    assert not run(clock, weekly, grace_end(2) + 2 * AFTER)  # idempotent: nothing new
    assert sent("engagement.nudge") == ["Bob"] and sent("engagement.peer_prompt") == []

    assert run(clock, weekly, grace_end(3) + AFTER)  # missed again: the tracker is asked
    case.refresh_from_db()
    assert case.step == 2 and case.peer == carl
    assert sent("engagement.peer_prompt") == ["Carl"]

    assert run(clock, weekly, grace_end(4) + AFTER)  # and again: facilitator and organizers hear
    case.refresh_from_db()
    assert case.step == 3
    assert sent("engagement.escalation") == ["Alice", "Olivia"]

    run(clock, weekly, grace_end(5) + AFTER)  # the ladder has no step 4
    case.refresh_from_db()
    assert case.step == 3 and case.is_open
    assert sent("engagement.escalation") == ["Alice", "Olivia"] and sent("engagement.nudge") == ["Bob"]
    assert ReengagementCase.objects.count() == 1  # alice and carl never drifted


def test_a_checkin_in_between_resets_the_ladder(weekly, alice, bob, carl, clock, as_tracker):
    as_tracker["user"] = carl
    others_check_in(weekly, [alice, carl], 1, 2, 3, 4, 5)
    run(clock, weekly, grace_end(2) + AFTER)
    case = bob_case(weekly, bob)
    assert case.step == 1

    check_in(weekly, bob, 3)
    assert run(clock, weekly, grace_end(3) + AFTER)
    case.refresh_from_db()
    assert case.resolution == Resolution.RETURNED and not case.is_open
    assert sent("engagement.peer_prompt") == []

    run(clock, weekly, grace_end(4) + AFTER)  # one new miss: nothing yet
    assert bob_case(weekly, bob).pk == case.pk
    run(clock, weekly, grace_end(5) + AFTER)  # two new misses in a row: a fresh case, a fresh nudge
    fresh = bob_case(weekly, bob)
    assert fresh.pk != case.pk and fresh.step == 1 and fresh.started_cycle.index == 5
    # The first nudge was still waiting in the outbox when bob came back: it was withdrawn.
    assert sent("engagement.nudge") == ["Bob"]
    assert Message.objects.filter(kind="engagement.nudge", channel=Channel.EMAIL).count() == 2


def test_pausing_stops_the_ladder_and_withdraws_what_is_not_sent(weekly, alice, bob, carl, clock, as_tracker):
    as_tracker["user"] = carl
    others_check_in(weekly, [alice, carl], 1, 2, 3, 4)
    run(clock, weekly, grace_end(2) + AFTER)
    case = bob_case(weekly, bob)
    bob_seat = Membership.objects.get(circle=weekly, user=bob)
    checkin_services.pause_start(
        membership=bob_seat,
        actor=bob,
        starts_on=(grace_end(2) + AFTER).date(),
        today=(grace_end(2) + AFTER).date(),
    )
    assert run(clock, weekly, grace_end(2) + 2 * AFTER)
    case.refresh_from_db()
    assert case.resolution == Resolution.PAUSED
    for k in (3, 4):
        run(clock, weekly, grace_end(k) + AFTER)
    assert sent("engagement.peer_prompt") == [] and sent("engagement.escalation") == []
    assert not ReengagementCase.objects.open().exists()


def test_leaving_closes_the_case(weekly, alice, bob, carl, clock, as_tracker):
    others_check_in(weekly, [alice, carl], 1, 2)
    run(clock, weekly, grace_end(2) + AFTER)
    circle_services.membership_leave(circle=weekly, user=bob)
    assert run(clock, weekly, grace_end(2) + 2 * AFTER)
    assert bob_case(weekly, bob).resolution == Resolution.LEFT


def test_excused_cycles_never_count_as_misses(weekly, alice, bob, carl, clock, as_tracker):
    others_check_in(weekly, [alice, carl], 1, 2, 3)
    holiday = grace_end(2).date() - timedelta(days=1)  # cycle 2's deadline day
    checkin_services.blackout_add(circle=weekly, actor=alice, starts_on=holiday, ends_on=holiday)
    run(clock, weekly, grace_end(1) + AFTER)
    run(clock, weekly, grace_end(2) + AFTER)  # missed, then excused: not two misses
    assert bob_case(weekly, bob) is None and sent("engagement.nudge") == []
    # A holiday week is stepped over (as streaks do): missing the cycles on both sides of it is two in a row.
    run(clock, weekly, grace_end(3) + AFTER)
    assert bob_case(weekly, bob).started_cycle.index == 3


def test_seven_quiet_days_after_the_nudge_bring_the_peer(weekly, alice, bob, carl, clock, as_tracker):
    as_tracker["user"] = carl
    others_check_in(weekly, [alice, carl], 1, 2)
    run(clock, weekly, grace_end(2) + AFTER)
    # The worker scans cycle 3 late (say it was down); the 7-day timer alone moves the case on.
    case = bob_case(weekly, bob)
    ReengagementCase.objects.filter(pk=case.pk).update(step_at=case.step_at - timedelta(days=8))
    assert ladder._advance_quiet_cases(grace_end(2) + 2 * AFTER)
    case.refresh_from_db()
    assert case.step == 2 and sent("engagement.peer_prompt") == ["Carl"]


def test_the_peer_is_never_someone_blocked_nor_the_member(weekly, alice, bob, carl, clock, as_tracker):
    as_tracker["user"] = carl
    Block.objects.create(blocker=bob, blocked=carl)
    bob_seat = Membership.objects.get(circle=weekly, user=bob)
    assert ladder.peer_for(membership=bob_seat, now=grace_end(3)) == alice  # the facilitator instead
    as_tracker["user"] = bob  # never the member themselves
    Block.objects.all().delete()
    Block.objects.create(blocker=alice, blocked=bob)  # a block either way counts
    check_in(weekly, carl, 1)
    assert ladder.peer_for(membership=bob_seat, now=grace_end(3)) == carl  # the most regular member


def test_one_bad_row_does_not_stop_the_others(weekly, alice, bob, carl, clock, as_tracker, monkeypatch):
    others_check_in(weekly, [alice], 1, 2)
    calls = []

    def flaky(membership, missed, scanned, now):
        calls.append(membership.user.name)
        if membership.user == bob:
            raise RuntimeError("boom")
        return original(membership, missed, scanned, now)

    original = ladder._open_case
    monkeypatch.setattr(ladder, "_open_case", flaky)
    run(clock, weekly, grace_end(1) + AFTER)
    run(clock, weekly, grace_end(2) + AFTER)
    assert sorted(calls) == ["Bob", "Carl"]
    assert list(ReengagementCase.objects.values_list("membership__user__display_name", flat=True)) == ["Carl"]


def test_trailing_misses_counts_only_the_final_run():
    from types import SimpleNamespace

    from peerpact.checkins.schedule import State
    from peerpact.checkins.selectors import Cell

    cycles = [SimpleNamespace(index=i, deadline_at=i) for i in range(1, 6)]
    states = [State.MISSED, State.ON_TIME, State.MISSED, State.EXCUSED, State.MISSED]
    run_ = ladder.trailing_misses(cycles, [Cell(state=s) for s in states])  # type: ignore[arg-type]
    assert [c.index for c in run_] == [5, 3]
    assert ladder.trailing_misses(cycles, [Cell(state=s) for s in states], since=3) == [cycles[4]]  # type: ignore[arg-type]


def test_the_peer_is_the_goal_tracker_from_the_roles_app(weekly, alice, bob, carl, clock):
    from peerpact.checkins.models import Cycle
    from peerpact.roles import selectors as role_selectors
    from peerpact.roles import services as role_services

    role_services.roles_ensure(circle=weekly)
    cycle = Cycle.objects.get(circle=weekly, index=1)
    role_services.roles_assign(cycle=cycle, now=cycle.opens_at + timedelta(minutes=1))
    holder = role_selectors.holder_of(circle=weekly, kind="tracker", cycle=cycle)
    bob_seat = Membership.objects.get(circle=weekly, user=bob)
    peer = ladder.peer_for(membership=bob_seat, now=cycle.opens_at + timedelta(hours=1))
    if holder is not None and holder.user != bob:
        assert peer == holder.user
    else:
        assert peer == alice  # bob tracks himself (or nobody does): the facilitator instead


def test_every_message_renders_kindly(weekly, alice, bob, carl, olivia, clock, as_tracker):
    from peerpact.notifications.services import email_render

    as_tracker["user"] = carl
    others_check_in(weekly, [alice, carl], 1, 2, 3, 4)
    for k in (1, 2, 3, 4):
        run(clock, weekly, grace_end(k) + AFTER)
    for message in Message.objects.filter(kind__startswith="engagement.", channel=Channel.EMAIL):
        email = email_render(
            to=message.recipient.email,
            template=message.template,
            context={**message.context, "recipient": message.recipient, "url": message.url},
        )
        body = email.body
        assert "Bob" in email.subject + body
        if message.kind == "engagement.nudge":
            assert "/pause/" in body and "nobody is keeping score" in body and "Alice" in body
