"""Demo data for safety: an open report, a handled one with its audit trail, an acknowledged concern.

Built through the services, so the demo obeys the same rules as real use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peerpact.circles.models import Circle, MemberRole, Membership
from peerpact.communities.models import CommunityMembership, CommunityRole
from peerpact.safety import registry, services
from peerpact.safety.models import Report


def _shared_checkins(circle: Circle) -> list[Any]:
    """Submitted, circle-visible, visible check-ins of seated members, newest first.

    Check-ins live in a higher app; the registry hands us their model without an import."""
    kind = registry.get("checkin")
    if kind is None:
        return []
    return list(
        kind.model.objects.filter(
            membership__circle=circle,
            membership__status__in=["active", "paused"],
            submitted_at__isnull=False,
            visibility="circle",
        )
        .visible()
        .exclude(wins="")
        .select_related("membership__user", "membership__circle__community", "cycle")
        .order_by("-cycle__index", "membership__user__email")
    )


def _peer_of(circle: Circle, author: Any) -> Any:
    seat = (
        Membership.objects.seated()
        .filter(circle=circle, role=MemberRole.MEMBER)
        .exclude(user=author)
        .select_related("user")
        .order_by("user__email")
        .first()
    )
    return seat.user if seat else None


def seed(*, circles: list[Circle], now: datetime) -> None:
    """Add to the first demo circle an open and a handled report; to the second an acknowledged concern."""
    if not circles or Report.objects.filter(community=circles[0].community).exists():
        return  # already seeded (or nothing to seed)
    first = circles[0]
    owner = (
        CommunityMembership.objects.filter(community=first.community, role=CommunityRole.OWNER)
        .select_related("user")
        .first()
    )
    if owner is None:
        return
    checkins = _shared_checkins(first)
    by_author: dict[int, Any] = {}
    for checkin in checkins:
        by_author.setdefault(checkin.membership.user_id, checkin)
    picks = list(by_author.values())
    if len(picks) >= 2:
        open_one, handled = picks[0], picks[1]
        reporter = _peer_of(first, open_one.membership.user)
        if reporter is not None:
            services.report_create(
                kind="checkin",
                obj=open_one,
                reporter=reporter,
                reason="privacy",
                details="It names a client; I am not sure they agreed to that.",
            )
        second_reporter = _peer_of(first, handled.membership.user)
        if second_reporter is not None:
            services.report_create(
                kind="checkin",
                obj=handled,
                reporter=second_reporter,
                reason="harassment",
                details="The blocker paragraph is unkind about a colleague.",
            )
            services.content_moderate(
                kind="checkin",
                obj=handled,
                actor=owner.user,
                action="hide",
                note="Hidden while I talk to the author; the rest of the update is fine.",
            )
            services.content_moderate(
                kind="checkin",
                obj=handled,
                actor=owner.user,
                action="restore",
                note="The author rewrote the blocker; visible again.",
            )
    if len(circles) > 1:
        second = circles[1]
        facilitator = Membership.objects.seated().filter(circle=second, role=MemberRole.FACILITATOR).first()
        member = _peer_of(second, facilitator.user if facilitator else None)
        if facilitator is not None and member is not None:
            concern = services.concern_raise(
                circle=second,
                user=member,
                addressed_to="facilitator",
                subject="Review sessions keep running long",
                body="We often go 30 minutes over and I have to leave before my turn. Could we keep time?",
            )
            services.concern_acknowledge(
                concern=concern,
                actor=facilitator.user,
                text="Thank you for saying so. I will time-box each person to five minutes from next week.",
            )
