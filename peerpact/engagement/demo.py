"""Demo data for engagement: a pulse with answers, and a drifting member part-way up the ladder.

Built through the services on top of insights.demo_history (twelve weeks of check-ins), so it obeys the
same rules real data does. Deterministic: the same story on every run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from peerpact.checkins.models import Checkin, Cycle, Pause
from peerpact.circles.models import Circle, MemberRole, Membership, MembershipStatus
from peerpact.engagement.models import LadderScan, Pulse
from peerpact.engagement.services import ladder, pulses

DEMO_CIRCLE = "weekly-wins"
ANSWERS = [
    (
        {"safe": 5, "checkins": 4, "feedback": 4, "rhythm": 3},
        "A shorter review session when most of us are busy.",
    ),
    ({"safe": 4, "checkins": 5, "feedback": 3, "rhythm": 4}, "More specific feedback on each other's plans."),
    ({"safe": 4, "checkins": 4, "feedback": 4, "rhythm": 2}, "Friday evening deadlines are hard for me."),
    ({"safe": 5, "checkins": 3, "feedback": 4, "rhythm": 4}, ""),
]
LADDER_MISSES = 3  # the drifter misses the last three finished cycles: step 1, then step 2


def seed(*, circles: list[Circle], now: datetime) -> None:
    """Add a pulse with four answers and a drifting member at step 2 to the demo's weekly circle."""
    circle = next((c for c in circles if c.slug == DEMO_CIRCLE), circles[0] if circles else None)
    if circle is None:
        return
    _pulse(circle, now)
    _drifter(circle, now)


def _pulse(circle: Circle, now: datetime) -> None:
    every = circle.pulse_every_cycles or 4
    eligible = [
        cycle
        for cycle in Cycle.objects.filter(circle=circle, deadline_at__lte=now).order_by("-index")
        if cycle.index % every == 0
    ]
    if not eligible:
        return
    cycle = eligible[0]
    if cycle.deadline_at + pulses.PULSE_OPEN_FOR > now:
        pulse = pulses.pulse_open(circle=circle, cycle=cycle, now=now)  # open: members are told
    else:
        pulse, _created = Pulse.objects.get_or_create(
            circle=circle,
            cycle=cycle,
            defaults={"opens_at": cycle.deadline_at, "closes_at": cycle.deadline_at + pulses.PULSE_OPEN_FOR},
        )
    if pulse is None:
        return
    members = list(
        Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    for position, (membership, (scores, text)) in enumerate(zip(members, ANSWERS, strict=False)):
        answered_at = min(pulse.opens_at + timedelta(hours=2 + 5 * position), now)
        pulses.pulse_answer(
            pulse=pulse,
            membership=membership,
            actor=membership.user,
            scores=scores,
            open_answer=text,
            now=answered_at,
        )


def _drifter(circle: Circle, now: datetime) -> None:
    """The last member to join (never the facilitator, never the one who paused) stops checking in."""
    finals = list(Cycle.objects.filter(circle=circle, grace_until__lte=now).order_by("index"))
    if len(finals) < LADDER_MISSES:
        return
    paused = set(Pause.objects.filter(membership__circle=circle).values_list("membership_id", flat=True))
    drifter = (
        Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE, role=MemberRole.MEMBER)
        .exclude(pk__in=paused)
        .select_related("user", "circle__community")
        .order_by("-created_at", "-pk")
        .first()
    )
    if drifter is None:
        return
    recent = finals[-LADDER_MISSES:]
    Checkin.objects.filter(membership=drifter, cycle__in=recent).delete()
    Checkin.objects.filter(membership=drifter, cycle__deadline_at__gt=recent[-1].deadline_at).delete()
    # Walk the ladder as the worker did at the end of each grace period: a nudge, then a peer.
    for cycle in recent[1:]:
        moment = cycle.grace_until + timedelta(minutes=1)
        LadderScan.objects.get_or_create(cycle=cycle, defaults={"scanned_at": moment})
        ladder._scan(cycle, moment)
    # Earlier finished cycles count as scanned too, so the worker does not replay them.
    for cycle in finals[:-LADDER_MISSES]:
        LadderScan.objects.get_or_create(cycle=cycle, defaults={"scanned_at": now})
