"""Demo data for roles: every demo cycle has its holders, the last finished cycle of each circle has a
published summary, and one member has asked another to swap. Built through the services."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle, Membership, MembershipStatus
from peerpact.roles import selectors, services, summaries
from peerpact.roles.models import RoleAssignment, RoleKind, SwapRequest

REVIEW_NOTES = (
    "\n### From the review session\n\n"
    "- We agreed to keep commitments small enough to finish in a week.\n"
    "- Anyone stuck by Wednesday posts in the circle instead of waiting for the next review.\n"
)
SWAP_MESSAGE = "I'm travelling on Monday. Could you run the review session this week?"


def seed(*, circles: list[Circle], now: datetime) -> None:
    """Roles for all opened demo cycles, a published summary per circle, one pending swap request."""
    swap_made = SwapRequest.objects.filter(assignment__cycle__circle__in=circles).exists()
    for circle in circles:
        services.roles_ensure(circle=circle)
        cycles = list(Cycle.objects.filter(circle=circle, opens_at__lte=now).order_by("index"))
        for cycle in cycles:
            cycle.circle = circle
            # As the worker would have done when each cycle opened.
            services.roles_assign(cycle=cycle, now=min(cycle.opens_at, now))
        # History needs no duty notes; the current holders get theirs below.
        RoleAssignment.objects.filter(
            cycle__circle=circle, cycle__closes_at__lte=now, notified_at__isnull=True
        ).update(notified_at=F("assigned_at"))
        finished = [c for c in cycles if c.deadline_at < now]
        if finished:
            _publish_summary(circle, finished[-1], now)
        current = cycles[-1] if cycles else None
        if not swap_made and current is not None and current.closes_at > now:
            swap_made = _ask_for_swap(circle, current, now)
    services.roles_notify(now=now)


def _publish_summary(circle: Circle, cycle: Cycle, now: datetime) -> None:
    holder = selectors.holder_of(circle=circle, kind=RoleKind.SUMMARIZER, cycle=cycle)
    author = holder.user if holder else _facilitator(circle)
    if author is None:
        return
    text = summaries.summary_draft(cycle, now=now) + REVIEW_NOTES
    summaries.summary_publish(cycle=cycle, actor=author, text=text, now=now)


def _ask_for_swap(circle: Circle, cycle: Cycle, now: datetime) -> bool:
    assignment = (
        RoleAssignment.objects.filter(cycle=cycle, role__kind=RoleKind.LEAD)
        .select_related("membership__user", "role", "cycle__circle__community")
        .first()
    )
    if assignment is None:
        return False
    other = (
        Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE)
        .exclude(pk=assignment.membership_id)
        .exclude(role_assignments__cycle=cycle)  # someone free this cycle, if there is anyone
        .order_by("joined_at", "pk")
        .first()
    ) or (
        Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE)
        .exclude(pk=assignment.membership_id)
        .order_by("joined_at", "pk")
        .first()
    )
    if other is None:
        return False
    services.swap_request(
        assignment=assignment,
        actor=assignment.membership.user,
        offered_to=other,
        message=SWAP_MESSAGE,
        now=now,
    )
    return True


def _facilitator(circle: Circle) -> object | None:
    membership = (
        Membership.objects.filter(circle=circle, role="facilitator", status__in=("active", "paused"))
        .select_related("user")
        .first()
    )
    return membership.user if membership else None
