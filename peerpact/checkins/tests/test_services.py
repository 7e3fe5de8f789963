from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peerpact.checkins import selectors, services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.schedule import State
from peerpact.checkins.services import CheckinAnswers, CommitmentReview, NewCommitment, RhythmSpec, StaleEdit
from peerpact.circles.models import Membership, MembershipStatus
from peerpact.goals import services as goal_services
from peerpact.goals.models import Commitment, CommitmentStatus, GoalProgress

pytestmark = pytest.mark.django_db

FRI_9 = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)  # Friday 18:00 in Madrid


def test_setting_a_rhythm_opens_the_first_cycle_and_the_next(weekly):
    cycles = list(Cycle.objects.filter(circle=weekly).order_by("index"))
    assert [c.deadline_at for c in cycles] == [FRI_9, FRI_9 + timedelta(days=7)]
    first = cycles[0]
    assert first.grace_until == FRI_9 + timedelta(hours=24)
    assert first.closes_at == FRI_9 + timedelta(days=7)


def test_a_first_deadline_less_than_a_day_away_is_skipped(circle, alice):
    import time_machine

    with time_machine.travel(datetime(2026, 1, 9, 8, 0, tzinfo=UTC), tick=False):
        services.rhythm_set(
            circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"], deadline_time=time(18, 0))
        )
        first = Cycle.objects.get(circle=circle, index=1)
    assert first.deadline_at.date() == date(2026, 1, 16)


def test_cycles_follow_the_clock_and_are_never_duplicated(weekly, clock):
    clock.move_to(datetime(2026, 2, 1, 12, 0, tzinfo=UTC))
    services.cycles_ensure(circle=weekly, now=datetime(2026, 2, 1, 12, 0, tzinfo=UTC))
    services.cycles_ensure(circle=weekly, now=datetime(2026, 2, 1, 12, 0, tzinfo=UTC))
    deadlines = list(
        Cycle.objects.filter(circle=weekly).order_by("index").values_list("deadline_at", flat=True)
    )
    assert deadlines == [FRI_9 + timedelta(days=7 * k) for k in range(6)]  # the one ahead too


def test_changing_the_schedule_keeps_past_cycles_and_the_current_deadline(weekly, alice, clock):
    clock.move_to(datetime(2026, 1, 20, 12, 0, tzinfo=UTC))
    services.cycles_ensure(circle=weekly, now=datetime(2026, 1, 20, 12, 0, tzinfo=UTC))
    before = {
        c.index: c.deadline_at
        for c in Cycle.objects.filter(circle=weekly, deadline_at__lt=datetime(2026, 1, 24, tzinfo=UTC))
    }
    services.rhythm_set(
        circle=weekly, actor=alice, spec=RhythmSpec(weekdays=["MO"], deadline_time=time(9, 0))
    )
    after = {c.index: c.deadline_at for c in Cycle.objects.filter(circle=weekly)}
    for index, deadline in before.items():
        assert after[index] == deadline
    nxt = Cycle.objects.get(circle=weekly, index=max(before) + 1)
    assert nxt.deadline_at.astimezone(weekly.rhythm.zone).weekday() == 0  # Monday


def test_grace_must_be_shorter_than_the_cycle(circle, alice, clock):
    with pytest.raises(ValidationError) as error:
        services.rhythm_set(
            circle=circle,
            actor=alice,
            spec=RhythmSpec(preset="weekdays", weekdays=["MO", "TU"], grace_hours=48),
        )
    assert "grace_hours" in error.value.message_dict


def test_members_cannot_change_the_schedule(circle, bob, clock):
    with pytest.raises(PermissionDenied):
        services.rhythm_set(circle=circle, actor=bob, spec=RhythmSpec())


def _membership(circle, user):
    return Membership.objects.get(circle=circle, user=user)


def test_a_checkin_resolves_commitments_records_progress_and_sets_next_steps(weekly, bob, clock):
    bob_in = _membership(weekly, bob)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    goal = goal_services.goal_create(
        membership=bob_in, actor=bob, title="Write a book", unit="pages", target=200
    )
    promised = goal_services.commitment_add(membership=bob_in, cycle=cycle1, text="Write 10 pages", goal=goal)
    checkin = services.checkin_submit(
        membership=bob_in,
        cycle=cycle1,
        actor=bob,
        expected_version=None,
        answers=CheckinAnswers(
            wins="Chapter one!",
            confidence=4,
            reviews=[CommitmentReview(promised.pk, "partial", "Only 6", carry_forward=True)],
            progress={goal.pk: 6},
            next_commitments=[NewCommitment("Outline chapter two", goal_id=goal.pk)],
        ),
    )
    assert checkin.version == 1 and checkin.submitted_at is not None
    promised.refresh_from_db()
    assert (promised.status, promised.note) == (CommitmentStatus.PARTIAL, "Only 6")
    assert GoalProgress.objects.get(goal=goal, cycle=cycle1).value == 6
    upcoming = sorted(Commitment.objects.filter(cycle__index=2).values_list("text", flat=True))
    assert upcoming == ["Outline chapter two", "Write 10 pages"]  # the new one and the carried one


def test_resubmitting_does_not_duplicate_commitments(weekly, bob, clock):
    bob_in = _membership(weekly, bob)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    answers = CheckinAnswers(next_commitments=[NewCommitment("Run 3 times")])
    first = services.checkin_submit(
        membership=bob_in, cycle=cycle1, actor=bob, answers=answers, expected_version=None
    )
    services.checkin_submit(
        membership=bob_in, cycle=cycle1, actor=bob, answers=answers, expected_version=first.version
    )
    assert Commitment.objects.filter(membership=bob_in, cycle__index=2).count() == 1


def test_a_stale_second_tab_is_refused_and_keeps_the_first(weekly, bob, clock):
    bob_in = _membership(weekly, bob)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    services.checkin_submit(
        membership=bob_in,
        cycle=cycle1,
        actor=bob,
        answers=CheckinAnswers(wins="tab one"),
        expected_version=None,
    )
    with pytest.raises(StaleEdit) as stale:
        services.checkin_submit(
            membership=bob_in,
            cycle=cycle1,
            actor=bob,
            answers=CheckinAnswers(wins="tab two"),
            expected_version=0,
        )
    assert stale.value.current.wins == "tab one"
    assert Checkin.objects.get(membership=bob_in, cycle=cycle1).wins == "tab one"


def test_only_the_member_checks_in_and_only_while_the_cycle_is_open(weekly, alice, bob, clock):
    bob_in = _membership(weekly, bob)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    with pytest.raises(PermissionDenied):
        services.checkin_submit(
            membership=bob_in, cycle=cycle1, actor=alice, answers=CheckinAnswers(), expected_version=None
        )
    clock.move_to(cycle1.closes_at + timedelta(seconds=1))
    with pytest.raises(ValidationError):
        services.checkin_submit(
            membership=bob_in, cycle=cycle1, actor=bob, answers=CheckinAnswers(), expected_version=None
        )


def test_drafts_are_kept_but_not_submitted(weekly, bob, clock):
    bob_in = _membership(weekly, bob)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    draft = services.checkin_save_draft(
        membership=bob_in, cycle=cycle1, actor=bob, data={"wins": "half a thought"}
    )
    assert draft.draft == {"wins": "half a thought"} and draft.submitted_at is None


def test_states_on_time_late_missed_and_excused(weekly, alice, bob, olivia, clock, make_user):
    from conftest import seat

    carol_like = make_user("pat@example.com")
    clock.move_to(datetime(2026, 1, 6, 12, 0, tzinfo=UTC))  # pat joins mid-cycle
    seat(weekly, carol_like, alice)
    bob_in, alice_in = (_membership(weekly, u) for u in (bob, alice))
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    clock.move_to(FRI_9 - timedelta(hours=1))
    services.checkin_submit(
        membership=bob_in, cycle=cycle1, actor=bob, answers=CheckinAnswers(), expected_version=None
    )
    clock.move_to(FRI_9 + timedelta(hours=2))
    services.checkin_submit(
        membership=alice_in, cycle=cycle1, actor=alice, answers=CheckinAnswers(), expected_version=None
    )
    now = FRI_9 + timedelta(days=2)
    table = selectors.grid(circle=weekly, cycles=[cycle1], now=now)
    states = {row.membership.user.email: row.cells[0].state for row in table.rows}
    assert states["bob@example.com"] == State.ON_TIME
    assert states["alice@example.com"] == State.LATE
    assert states["pat@example.com"] == State.EXCUSED  # joined after the cycle opened


def test_paused_members_and_blackouts_are_excused(weekly, alice, bob, clock):
    bob_in = _membership(weekly, bob)
    services.pause_start(
        membership=bob_in, actor=bob, starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 10), reason="Surgery"
    )
    bob_in.refresh_from_db()
    assert bob_in.status == MembershipStatus.PAUSED
    services.blackout_add(
        circle=weekly, actor=alice, starts_on=date(2026, 1, 16), ends_on=date(2026, 1, 16), reason="Holiday"
    )
    cycles = list(Cycle.objects.filter(circle=weekly).order_by("index"))
    table = selectors.grid(circle=weekly, cycles=cycles, now=FRI_9 + timedelta(days=30))
    by_user = {row.membership.user.email: [c.state for c in row.cells] for row in table.rows}
    assert by_user["bob@example.com"] == [State.EXCUSED, State.EXCUSED]
    assert by_user["alice@example.com"] == [State.MISSED, State.EXCUSED]


def test_resuming_ends_the_pause(weekly, bob, clock):
    bob_in = _membership(weekly, bob)
    services.pause_start(membership=bob_in, actor=bob, starts_on=date(2026, 1, 5), reason="Travel")
    services.pause_resume(membership=bob_in, actor=bob)
    bob_in.refresh_from_db()
    assert bob_in.status == MembershipStatus.ACTIVE


def test_the_worker_starts_planned_pauses(weekly, bob, clock):
    bob_in = _membership(weekly, bob)
    services.pause_start(membership=bob_in, actor=bob, starts_on=date(2026, 1, 12), ends_on=date(2026, 1, 20))
    bob_in.refresh_from_db()
    assert bob_in.status == MembershipStatus.ACTIVE
    clock.move_to(datetime(2026, 1, 12, 10, 0, tzinfo=UTC))
    assert services.pauses_sync(now=datetime(2026, 1, 12, 10, 0, tzinfo=UTC))
    bob_in.refresh_from_db()
    assert bob_in.status == MembershipStatus.PAUSED
    clock.move_to(datetime(2026, 1, 21, 10, 0, tzinfo=UTC))
    services.pauses_sync(now=datetime(2026, 1, 21, 10, 0, tzinfo=UTC))
    bob_in.refresh_from_db()
    assert bob_in.status == MembershipStatus.ACTIVE


def test_the_worker_opens_due_cycles(weekly, clock):
    later = datetime(2026, 1, 17, 12, 0, tzinfo=UTC)
    assert services.cycles_materialize(now=later)
    assert Cycle.objects.filter(circle=weekly).count() == 4  # started: 1-3, plus the one ahead
    assert not services.cycles_materialize(now=later)


def test_due_for_user_lists_open_checkins_with_state(weekly, bob, clock):
    items = selectors.due_for_user(user=bob, now=datetime(2026, 1, 8, 12, 0, tzinfo=UTC))
    assert [(i.cycle.index, i.state) for i in items] == [(1, State.PENDING)]


def test_overlapping_pauses_are_refused(weekly, bob, clock):
    bob_in = _membership(weekly, bob)
    services.pause_start(membership=bob_in, actor=bob, starts_on=date(2026, 1, 12), ends_on=date(2026, 1, 20))
    with pytest.raises(ValidationError) as error:
        services.pause_start(membership=bob_in, actor=bob, starts_on=date(2026, 1, 18))
    assert "starts_on" in error.value.message_dict
    services.pause_start(membership=bob_in, actor=bob, starts_on=date(2026, 1, 21), ends_on=date(2026, 1, 22))


def test_an_unreadable_custom_rule_gets_a_helpful_message(circle, alice, clock):
    with pytest.raises(ValidationError) as error:
        services.rhythm_set(
            circle=circle, actor=alice, spec=RhythmSpec(preset="custom", custom_rule="every tuesday")
        )
    assert "FREQ=WEEKLY" in error.value.message_dict["custom_rule"][0]


def test_changing_the_schedule_keeps_commitments_made_for_the_next_cycle(weekly, alice, bob, clock):
    bob_in = _membership(weekly, bob)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    services.checkin_submit(
        membership=bob_in,
        cycle=cycle1,
        actor=bob,
        expected_version=None,
        answers=CheckinAnswers(next_commitments=[NewCommitment("Draft the proposal")]),
    )
    services.rhythm_set(
        circle=weekly, actor=alice, spec=RhythmSpec(weekdays=["TU"], deadline_time=time(9, 0))
    )
    kept = Commitment.objects.get(membership=bob_in, text="Draft the proposal")
    assert kept.cycle.index == 2
    assert kept.cycle.opens_at == cycle1.deadline_at
    assert kept.cycle.deadline_at.astimezone(weekly.rhythm.zone).weekday() == 1  # now a Tuesday
    assert Cycle.objects.filter(circle=weekly).count() == 2


def test_nothing_is_due_for_a_paused_member(weekly, bob, clock):
    services.pause_start(membership=_membership(weekly, bob), actor=bob, starts_on=date(2026, 1, 5))
    assert selectors.due_for_user(user=bob, now=datetime(2026, 1, 8, 12, 0, tzinfo=UTC)) == []
