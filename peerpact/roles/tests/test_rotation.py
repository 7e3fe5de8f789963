"""Rotation fairness, as properties: over many cycles nobody serves more than once more than anyone
continuously active, paused members are never picked, newcomers wait out their first cycle, and handing
out roles twice changes nothing."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerpact.accounts.models import User
from peerpact.checkins.models import Cycle, Pause
from peerpact.circles.models import Circle, Membership, MembershipStatus
from peerpact.roles import services
from peerpact.roles.models import CircleRole, RoleAssignment
from peerpact.roles.rotation import Candidate, History, plan


@dataclass
class Scenario:
    members: int
    cycles: int
    roles: int
    joined_in: list[int | None]  # None: a founder; j: joined during cycle j (so waits for j and j + 1)
    paused: list[set[int]]  # cycles in which each member is paused

    def settled(self, member: int, cycle: int) -> bool:
        joined = self.joined_in[member]
        if joined is not None and cycle < joined + 2:
            return False
        return cycle not in self.paused[member]

    def in_first_cycle(self, member: int, cycle: int) -> bool:
        return self.joined_in[member] == cycle - 1 and cycle not in self.paused[member]

    def eligible(self, member: int, cycle: int) -> bool:
        """Settled members; only when there are none, those in their first cycle."""
        if any(self.settled(m, cycle) for m in range(self.members)):
            return self.settled(member, cycle)
        return self.in_first_cycle(member, cycle)


@st.composite
def scenarios(draw: st.DrawFn, max_roles: int = 4) -> Scenario:
    members = draw(st.integers(2, 12))
    cycles = draw(st.integers(20, 60))
    roles = draw(st.integers(1, max_roles))
    joined_in: list[int | None] = []
    paused: list[set[int]] = []
    for index in range(members):
        # The first two are founders, so a circle always starts with someone to hand roles to.
        late = index >= 2 and draw(st.booleans())
        joined_in.append(draw(st.integers(0, cycles - 3)) if late else None)
        spans = draw(st.lists(st.tuples(st.integers(0, cycles - 1), st.integers(1, 6)), max_size=3))
        paused.append({c for start, length in spans for c in range(start, min(start + length, cycles))})
    return Scenario(members, cycles, roles, joined_in, paused)


def check_fair(scenario: Scenario, counts: Counter[int], upto: int) -> None:
    """Among founders never paused so far: within one of each other; nobody above their minimum + 1."""
    steady = [
        m
        for m in range(scenario.members)
        if scenario.joined_in[m] is None and not any(c <= upto for c in scenario.paused[m])
    ]
    if not steady:
        return
    low = min(counts[m] for m in steady)
    assert max(counts[m] for m in steady) - low <= 1, (upto, counts)
    for member in range(scenario.members):
        assert counts[member] <= low + 1, (upto, member, counts)


@settings(max_examples=400, deadline=None)
@given(scenario=scenarios())
def test_planner_is_fair_skips_paused_and_new_members_and_spreads_roles(scenario: Scenario) -> None:
    history = History()
    counts: Counter[int] = Counter()
    roles = list(range(100, 100 + scenario.roles))
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    for cycle in range(scenario.cycles):
        candidates = [
            Candidate(key=m, joined_at=epoch + timedelta(weeks=scenario.joined_in[m] or 0))
            for m in range(scenario.members)
            if scenario.eligible(m, cycle)
        ]
        chosen = plan(roles=roles, candidates=candidates, history=history, taken={})
        assert plan(roles=roles, candidates=candidates, history=history, taken=chosen) == {}
        if not candidates:
            assert chosen == {}
            continue
        assert set(chosen) == set(roles)
        for role, member in chosen.items():
            assert scenario.eligible(member, cycle), "a paused or new member was given a role"
            history.record(role=role, member=member, index=cycle)
            counts[member] += 1
        per_person = Counter(chosen.values())
        # Nobody holds two roles while an eligible member holds none.
        if len(candidates) >= len(roles):
            assert max(per_person.values()) == 1
        else:
            assert len(per_person) == len(candidates)
        check_fair(scenario, counts, cycle)


def test_planner_rotates_each_role_to_whoever_held_it_least_recently() -> None:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    people = [Candidate(key=k, joined_at=epoch) for k in (1, 2, 3)]
    history = History()
    seen = []
    for index in range(6):
        chosen = plan(roles=[10], candidates=people, history=history, taken={})
        seen.append(chosen[10])
        history.record(role=10, member=chosen[10], index=index)
    assert seen == [1, 2, 3, 1, 2, 3]


def test_planner_breaks_ties_by_who_joined_first() -> None:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    early, late = Candidate(key=9, joined_at=epoch), Candidate(key=1, joined_at=epoch + timedelta(days=1))
    assert plan(roles=[10], candidates=[late, early], history=History(), taken={}) == {10: 9}


# --- The same properties through the database: real cycles, memberships, pauses -----------------

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; cycle i opens T0 + i weeks


def _build(community, scenario: Scenario) -> tuple[Circle, list[Cycle], list[Membership]]:
    tag = uuid.uuid4().hex[:8]
    circle = Circle.objects.create(
        community=community, name=f"Property {tag}", slug=f"p-{tag}", timezone="UTC"
    )
    cycles = [
        Cycle.objects.create(
            circle=circle,
            index=i + 1,
            opens_at=T0 + timedelta(weeks=i),
            deadline_at=T0 + timedelta(weeks=i + 1),
            grace_until=T0 + timedelta(weeks=i + 1, days=1),
            closes_at=T0 + timedelta(weeks=i + 2),
        )
        for i in range(scenario.cycles)
    ]
    members = []
    for m in range(scenario.members):
        joined = scenario.joined_in[m]
        at = T0 - timedelta(days=1) if joined is None else cycles[joined].opens_at + timedelta(hours=1)
        user = User.objects.create_user(email=f"m{m}-{tag}@example.com", password=None, display_name=f"M{m}")
        members.append(
            Membership.objects.create(
                circle=circle, user=user, status=MembershipStatus.ACTIVE, charter_accepted_at=at, joined_at=at
            )
        )
        # One pause per run of consecutive paused cycles, from the day after it opens to the day
        # before its deadline (a cycle's first day is the previous one's deadline day).
        run: list[int] = []
        for c in [*sorted(scenario.paused[m]), -10]:
            if run and c != run[-1] + 1:
                Pause.objects.create(
                    membership=members[-1],
                    starts_on=(cycles[run[0]].opens_at + timedelta(days=1)).date(),
                    ends_on=(cycles[run[-1]].deadline_at - timedelta(days=1)).date(),
                )
                run = []
            run.append(c)
    return circle, cycles, members


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios(max_roles=3))
def test_roles_assign_over_many_cycles_is_fair_and_idempotent(community, scenario: Scenario) -> None:
    with transaction.atomic():
        circle, cycles, members = _build(community, scenario)
        services.roles_ensure(circle=circle)
        active = list(CircleRole.objects.filter(circle=circle).order_by("position"))
        for extra in active[scenario.roles :]:
            extra.is_active = False
            extra.save(update_fields=["is_active"])
        index_of = {m.pk: i for i, m in enumerate(members)}
        counts: Counter[int] = Counter()
        for c, cycle in enumerate(cycles):
            made = services.roles_assign(cycle=cycle, now=cycle.opens_at)
            assert services.roles_assign(cycle=cycle, now=cycle.opens_at) == []  # idempotent
            for assignment in made:
                member = index_of[assignment.membership_id]
                assert scenario.eligible(member, c), f"member {member} served in cycle {c}"
                counts[member] += 1
            expected = scenario.roles if any(scenario.eligible(m, c) for m in range(scenario.members)) else 0
            assert len(made) == expected
            check_fair(scenario, counts, c)
        assert RoleAssignment.objects.filter(cycle__circle=circle).count() == sum(counts.values())
        transaction.set_rollback(True)


def test_people_move_through_the_roles_instead_of_keeping_the_first_one() -> None:
    epoch = datetime(2026, 1, 1, tzinfo=UTC)
    people = [Candidate(key=k, joined_at=epoch + timedelta(days=k)) for k in range(1, 5)]
    roles = [10, 20, 30]
    history = History()
    held: dict[int, Counter[int]] = {p.key: Counter() for p in people}
    for index in range(12):
        for role, member in plan(roles=roles, candidates=people, history=history, taken={}).items():
            history.record(role=role, member=member, index=index)
            held[member][role] += 1
    for member, counts in held.items():
        assert set(counts) == set(roles), (member, counts)  # everyone has held every role
        assert sum(counts.values()) == 9
