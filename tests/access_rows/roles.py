"""Access rows for roles: the roles page, managing roles, swaps and cycle summaries.

In cycle 1 of `circle` bob holds the check-in lead role and alice the summarizer and goal tracker
roles; alice has asked bob to take the goal tracker role (pending). dave's circle has its own roles,
assignment and swap request, reached through our URLs for the [foreign] rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import RhythmSpec
from peerpact.circles.models import Membership
from peerpact.roles import services as role_services
from peerpact.roles.models import CircleRole, CycleSummary, RoleAssignment, RoleKind, SwapRequest
from tests.matrix_kit import CIRCLE_MANAGERS, HIDDEN, POST_ONLY, Effect, fresh, get, k, post


def extend(w: Any) -> None:
    now = timezone.now()
    cycle = Cycle.objects.get(circle=w.circle, index=1)
    roles = {r.kind: r for r in role_services.roles_ensure(circle=w.circle)}
    alice_seat = Membership.objects.get(circle=w.circle, user=w.users["alice"])

    def hold(kind: str, membership: Membership) -> RoleAssignment:
        return RoleAssignment.objects.create(
            role=roles[kind], cycle=cycle, membership=membership, assigned_at=now
        )

    w.bob_lead = hold(RoleKind.LEAD, w.bob)
    hold(RoleKind.SUMMARIZER, alice_seat)
    alice_tracker = hold(RoleKind.TRACKER, alice_seat)
    w.role_swap = SwapRequest.objects.create(
        assignment=alice_tracker, requested_by=alice_seat, offered_to=w.bob, created_by=w.users["alice"]
    )
    w.lead_role = roles[RoleKind.LEAD]
    # dave's circle, with a schedule of its own, so it has a cycle, roles and an assignment.
    checkin_services.rhythm_set(
        circle=w.other_circle,
        actor=w.users["olivia"],
        spec=RhythmSpec(weekdays=["FR"]),
        now=now - timedelta(hours=1),
    )
    dave_cycle = Cycle.objects.get(circle=w.other_circle, index=1)
    dave_roles = role_services.roles_ensure(circle=w.other_circle)
    w.dave_role = dave_roles[0]
    w.dave_assignment = RoleAssignment.objects.create(
        role=dave_roles[0], cycle=dave_cycle, membership=w.foreign_seat, assigned_at=now
    )
    w.dave_swap = SwapRequest.objects.create(
        assignment=w.dave_assignment,
        requested_by=w.foreign_seat,
        offered_to=w.bob,
        created_by=w.users["dave"],
    )


TARGETS = {
    "lead-role": lambda w: k(w, role_id=w.lead_role.pk),
    "dave-role": lambda w: k(w, role_id=w.dave_role.pk),
    "bob-lead": lambda w: k(w, assignment_id=w.bob_lead.pk),
    "dave-assignment": lambda w: k(w, assignment_id=w.dave_assignment.pk),
    "role-swap": lambda w: k(w, swap_id=w.role_swap.pk),
    "dave-swap": lambda w: k(w, swap_id=w.dave_swap.pk),
}

GET_ONLY = {"roles:index", "roles:summary"}


def _roles(w: Any) -> list[tuple[str, str, bool]]:
    return list(
        CircleRole.objects.filter(circle=w.circle).order_by("pk").values_list("name", "duties", "is_active")
    )


ADD_ROLE = Effect({"new-name": "Timekeeper", "new-duties": "Keeps time."}, _roles, CIRCLE_MANAGERS)
EDIT_ROLE = Effect({"name": "Host", "duties": "Hosts.", "is_active": "on"}, _roles, CIRCLE_MANAGERS)
DAVE_ROLE_SAME = Effect(
    {"name": "Host", "duties": "Hosts.", "is_active": "on"}, lambda w: fresh(w.dave_role, "name", "duties")
)
ASK_SWAP = Effect(
    lambda w: {"offered_to": Membership.objects.get(circle=w.circle, user=w.users["alice"]).pk},
    lambda w: SwapRequest.objects.filter(assignment=w.bob_lead).count(),
    "bob alice otto olivia",
)
DAVE_SWAP_SAME = Effect(
    lambda w: {"offered_to": w.bob.pk, "decision": "accept"},
    lambda w: (
        SwapRequest.objects.filter(assignment=w.dave_assignment).count(),
        fresh(w.dave_swap, "state"),
        fresh(w.dave_assignment, "membership"),
    ),
)
ACCEPT = Effect(
    {"decision": "accept"},
    lambda w: (fresh(w.role_swap, "state"), fresh(w.role_swap.assignment, "membership")),
    "bob",
)
SUMMARY = Effect(
    {"text": "Matrix summary", "action": "save"},
    lambda w: list(CycleSummary.objects.values_list("text", "published_at")),
    "alice otto olivia",
)

# fmt: off
ROWS = [
    #     route                              target        anon  erin carol dave bob alice otto olivia
    get("roles:index",                       "circle",     "login 404 404 404 200 200 200 200"),
    get("roles:role-add",                    "circle",     POST_ONLY),
    post("roles:role-add",                   "circle",     "login 404 404 404 403 302 302 302", ADD_ROLE),
    get("roles:role-edit",                   "lead-role",  "login 404 404 404 403 200 200 200"),
    post("roles:role-edit",                  "lead-role",  "login 404 404 404 403 302 302 302", EDIT_ROLE),
    get("roles:role-edit[foreign]",          "dave-role",  HIDDEN),
    post("roles:role-edit[foreign]",         "dave-role",  HIDDEN, DAVE_ROLE_SAME),
    get("roles:swap-request",                "bob-lead",   POST_ONLY),
    post("roles:swap-request",               "bob-lead",   "login 404 404 404 302 302 302 302", ASK_SWAP),
    post("roles:swap-request[foreign]",      "dave-assignment", HIDDEN, DAVE_SWAP_SAME),
    get("roles:swap-decide",                 "role-swap",  POST_ONLY),
    # Only bob, to whom the role is offered, may accept; alice (who asked) may only withdraw.
    post("roles:swap-decide",                "role-swap",  "login 404 404 404 302 403 403 403", ACCEPT),
    post("roles:swap-decide[foreign]",       "dave-swap",  HIDDEN, DAVE_SWAP_SAME),
    get("roles:summary",                     "cycle-1",    "login 404 404 404 200 200 200 200"),
    # alice is cycle 1's summarizer (and facilitator); bob is not.
    get("roles:summary-edit",                "cycle-1",    "login 404 404 404 403 200 200 200"),
    post("roles:summary-edit",               "cycle-1",    "login 404 404 404 403 302 302 302", SUMMARY),
]
# fmt: on
