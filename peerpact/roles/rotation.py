"""Who takes which role in a cycle: least-recently-served rotation, balanced by load.

The planner (`plan`) is pure so it can be tested over thousands of cycles; `plan_for_cycle` feeds it
from the database. Who serves this cycle, in order of precedence:

1. nobody gets a second role while an eligible member has none this cycle;
2. the fewest roles served in this circle so far (load balance);
3. the longest since serving any role;
4. the earliest to join, then the lowest id (deterministic).

Then each role (by position) goes to whichever of those has gone longest without *that* role (never
counts as longest), ties going to the one chosen first above.

Eligible: seated in the circle, not paused at any point of the cycle, and not new — a member who
joined after the cycle opened, or during the previous cycle (so this is their first cycle), waits a
cycle. The circle's first cycle has no previous one: its founders serve from the start. Only when
nobody else is eligible do members in their first cycle serve (a circle whose people all joined
during its first cycle gets roles from its second); someone who joined after the cycle opened never
does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from peerpact.checkins.models import Cycle, Pause
from peerpact.circles.models import SEATED, Membership, MembershipStatus


@dataclass(frozen=True)
class Candidate:
    key: int
    joined_at: datetime


@dataclass
class History:
    """What the circle's earlier cycles say about each member's load."""

    totals: Counter[int] = field(default_factory=Counter)
    last_in_role: dict[tuple[int, int], int] = field(default_factory=dict)  # (role, member) -> cycle index
    last_any: dict[int, int] = field(default_factory=dict)

    def record(self, *, role: int, member: int, index: int) -> None:
        self.totals[member] += 1
        self.last_in_role[(role, member)] = max(index, self.last_in_role.get((role, member), index))
        self.last_any[member] = max(index, self.last_any.get(member, index))


def plan(
    *, roles: list[int], candidates: list[Candidate], history: History, taken: dict[int, int]
) -> dict[int, int]:
    """Holders for the roles not in `taken` (role -> member already holding it this cycle).

    Two steps per round: first *who* serves (the least loaded, one role each while anyone eligible
    has none), then *which* role each of them takes (the one they have gone longest without), so
    load stays even and people move through the roles rather than keeping the first one.
    """
    missing = [role for role in roles if role not in taken]
    if not candidates or not missing:
        return {}
    this_cycle: Counter[int] = Counter(taken.values())
    totals = Counter(history.totals)
    chosen: dict[int, int] = {}
    while missing:
        order = sorted(
            candidates,
            key=lambda c: (
                this_cycle[c.key],
                totals[c.key],
                history.last_any.get(c.key, -1),
                c.joined_at,
                c.key,
            ),
        )
        serving = order[: len(missing)]
        rank = {c.key: n for n, c in enumerate(serving)}
        for role in list(missing):
            if not serving:
                break
            best = min(serving, key=lambda c: (history.last_in_role.get((role, c.key), -1), rank[c.key]))
            serving.remove(best)
            missing.remove(role)
            chosen[role] = best.key
            this_cycle[best.key] += 1
            totals[best.key] += 1
    return chosen


def _joined(membership: Membership) -> datetime:
    return membership.joined_at or membership.created_at


def _paused_during(pauses: list[Pause], cycle: Cycle, zone: ZoneInfo, now: datetime) -> bool:
    first = cycle.opens_at.astimezone(zone).date()
    last = cycle.deadline_at.astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    # A pause resumed before the cycle opened is over; one resumed later still overlaps the cycle.
    return any(p.covers(day, cycle.opens_at) for p in pauses for day in days)


def eligible(*, cycle: Cycle, previous: Cycle | None, now: datetime) -> list[Candidate]:
    """Members who may take a role in `cycle` (see the module docstring)."""
    members = list(Membership.objects.filter(circle_id=cycle.circle_id, status__in=SEATED))
    pauses: dict[int, list[Pause]] = defaultdict(list)
    for pause in Pause.objects.filter(membership__in=members):
        pauses[pause.membership_id].append(pause)
    zone = ZoneInfo(cycle.circle.timezone)
    settled, first_cycle = [], []
    for membership in members:
        joined = _joined(membership)
        if joined > cycle.opens_at:
            continue
        if membership.status == MembershipStatus.PAUSED and cycle.is_open(now):
            continue
        if _paused_during(pauses[membership.pk], cycle, zone, now):
            continue
        candidate = Candidate(key=membership.pk, joined_at=joined)
        if previous is not None and joined > previous.opens_at:
            first_cycle.append(candidate)
        else:
            settled.append(candidate)
    # A circle whose members all arrived during its first cycle would otherwise go two cycles
    # without roles: when nobody else can serve, people in their first cycle do.
    return settled or first_cycle


def history_before(cycle: Cycle) -> History:
    """Every role served in the circle's cycles before `cycle`."""
    from peerpact.roles.models import RoleAssignment

    history = History()
    for role_id, member_id, index in RoleAssignment.objects.filter(
        cycle__circle_id=cycle.circle_id, cycle__index__lt=cycle.index
    ).values_list("role_id", "membership_id", "cycle__index"):
        history.record(role=role_id, member=member_id, index=index)
    return history


def plan_for_cycle(*, cycle: Cycle, now: datetime) -> dict[int, int]:
    """Role id -> membership id for the circle's active roles that have no holder in `cycle` yet."""
    from peerpact.roles.models import CircleRole, RoleAssignment

    roles = list(
        CircleRole.objects.filter(circle_id=cycle.circle_id, is_active=True).values_list("pk", flat=True)
    )
    if not roles:
        return {}
    taken = dict(RoleAssignment.objects.filter(cycle=cycle).values_list("role_id", "membership_id"))
    if all(role in taken for role in roles):
        return {}
    previous = Cycle.objects.filter(circle_id=cycle.circle_id, index=cycle.index - 1).first()
    return plan(
        roles=roles,
        candidates=eligible(cycle=cycle, previous=previous, now=now),
        history=history_before(cycle),
        taken=taken,
    )
