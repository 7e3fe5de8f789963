"""Reads for role pages, panels and other apps (engagement asks who tracks goals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Cycle
from peerpact.circles.models import SEATED, Circle, Membership
from peerpact.roles import rotation
from peerpact.roles.models import CircleRole, RoleAssignment, SwapRequest


def holder_of(*, circle: Circle, kind: str, cycle: Cycle) -> Membership | None:
    """Who holds the (active) role of this kind in `cycle`, if anyone."""
    assignment = (
        RoleAssignment.objects.filter(role__circle=circle, role__kind=kind, role__is_active=True, cycle=cycle)
        .select_related("membership__user")
        .order_by("role__position", "pk")
        .first()
    )
    return assignment.membership if assignment else None


def roles_for_user(*, user: Any, now: datetime) -> list[RoleAssignment]:
    """The roles the user holds in open cycles of their circles (for "Your role this week")."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        RoleAssignment.objects.filter(
            membership__user=user,
            membership__status__in=SEATED,
            role__is_active=True,
            cycle__opens_at__lte=now,
            cycle__closes_at__gte=now,
        )
        .exclude(cycle__circle__status="archived")
        .select_related("role", "cycle__circle__community")
        .order_by("cycle__deadline_at", "role__position")
    )


def assignments_in(*, cycle: Cycle) -> dict[int, RoleAssignment]:
    """Role id -> its assignment in `cycle`."""
    return {
        a.role_id: a
        for a in RoleAssignment.objects.filter(cycle=cycle).select_related(
            "membership__user", "swapped_from__user"
        )
    }


@dataclass
class RoleLine:
    role: CircleRole
    current: RoleAssignment | None = None
    next_holder: Membership | None = None
    swap_form: Any = None  # set by the view when the viewer may ask for a swap


@dataclass
class Load:
    membership: Membership
    total: int = 0
    last_cycle: int | None = None
    by_role: dict[int, int] = field(default_factory=dict)


@dataclass
class Overview:
    roles: list[CircleRole]
    current: Cycle | None
    following: Cycle | None
    lines: list[RoleLine]
    history: list[tuple[Cycle, dict[int, RoleAssignment]]]
    load: list[Load]
    swaps: list[SwapRequest]


def roles_overview(*, circle: Circle, now: datetime, history_cycles: int = 8) -> Overview:
    """Everything the roles page shows: holders now and next, history, load per member, swaps."""
    roles = list(CircleRole.objects.filter(circle=circle))
    current = checkin_selectors.cycle_current(circle=circle, now=now)
    following = (
        Cycle.objects.filter(circle=circle, index=current.index + 1).first() if current is not None else None
    )
    members = {m.pk: m for m in checkin_selectors.seated_members(circle=circle)}
    lines = [RoleLine(role=r) for r in roles if r.is_active]
    if current is not None:
        held = assignments_in(cycle=current)
        for line in lines:
            line.current = held.get(line.role.pk)
    if following is not None:
        following.circle = circle
        if RoleAssignment.objects.filter(cycle=following).exists():
            planned = {r: a.membership_id for r, a in assignments_in(cycle=following).items()}
        else:
            # A forecast: the cycle has not opened, so pauses and swaps may still change it.
            planned = rotation.plan_for_cycle(cycle=following, now=now)
        for line in lines:
            member_id = planned.get(line.role.pk)
            line.next_holder = members.get(member_id) if member_id else None
    recent = list(Cycle.objects.filter(circle=circle, opens_at__lte=now).order_by("-index")[:history_cycles])
    by_cycle: dict[int, dict[int, RoleAssignment]] = {c.pk: {} for c in recent}
    for a in RoleAssignment.objects.filter(cycle__in=recent).select_related("membership__user"):
        by_cycle[a.cycle_id][a.role_id] = a
    load = {pk: Load(membership=m) for pk, m in members.items()}
    for member_id, role_id, index in RoleAssignment.objects.filter(cycle__circle=circle).values_list(
        "membership_id", "role_id", "cycle__index"
    ):
        if member_id not in load:
            continue
        entry = load[member_id]
        entry.total += 1
        entry.by_role[role_id] = entry.by_role.get(role_id, 0) + 1
        entry.last_cycle = max(index, entry.last_cycle or 0)
    return Overview(
        roles=roles,
        current=current,
        following=following,
        lines=lines,
        history=[(c, by_cycle[c.pk]) for c in recent],
        load=sorted(load.values(), key=lambda e: (-e.total, e.membership.user.name)),
        swaps=swaps_for(circle=circle, cycle=current),
    )


def swaps_for(*, circle: Circle, cycle: Cycle | None) -> list[SwapRequest]:
    """Swap requests of this cycle and later, newest first."""
    if cycle is None:
        return []
    return list(
        SwapRequest.objects.filter(
            assignment__cycle__circle=circle, assignment__cycle__index__gte=cycle.index
        )
        .select_related("assignment__role", "assignment__cycle", "requested_by__user", "offered_to__user")
        .order_by("-created_at", "-pk")[:20]
    )


def swap_get(*, circle: Circle, swap_id: int) -> SwapRequest | None:
    return (
        SwapRequest.objects.filter(pk=swap_id, assignment__cycle__circle=circle)
        .select_related(
            "assignment__role",
            "assignment__cycle__circle__community",
            "assignment__membership__user",
            "requested_by__user",
            "offered_to__user",
        )
        .first()
    )


def assignment_get(*, circle: Circle, assignment_id: int) -> RoleAssignment | None:
    return (
        RoleAssignment.objects.filter(pk=assignment_id, cycle__circle=circle)
        .select_related("role", "cycle__circle__community", "membership__user")
        .first()
    )


def role_get(*, circle: Circle, role_id: int) -> CircleRole | None:
    return CircleRole.objects.filter(pk=role_id, circle=circle).first()
