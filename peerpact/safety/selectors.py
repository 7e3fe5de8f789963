"""Reads for safety: blocks, reports, concerns. Other apps ask `blocks_between` before one person may
reach another (comments, feedback, kudos, help offers, notifications caused by them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from peerpact.circles import access as circle_access
from peerpact.circles.models import SEATED, Circle, MemberRole, Membership
from peerpact.communities.models import CommunityMembership
from peerpact.safety import registry
from peerpact.safety.models import (
    Block,
    Concern,
    ConcernAddressee,
    ConcernEvent,
    ModerationAction,
    Report,
)
from peerpact.safety.registry import ContentKind


def blocks_between(a: Any, b: Any) -> bool:
    """True if either person has blocked the other."""
    if a is None or b is None or a.pk == b.pk:
        return False
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def blocked_by(user: Any) -> set[int]:
    """Ids of everyone `user` blocked or who blocked `user` (to filter lists in one query)."""
    pairs = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user.pk}


# --- Content, reports and the audit trail -------------------------------------------------------


def content_get(*, kind: str, object_id: int, community: Any) -> tuple[ContentKind, Any] | None:
    """The registered kind and its object, if it exists and belongs to `community` (else None: 404)."""
    content = registry.get(kind)
    if content is None:
        return None
    obj = content.model._default_manager.filter(pk=object_id).first()
    if obj is None or content.circle_of(obj).community_id != community.pk:
        return None
    return content, obj


@dataclass
class QueueItem:
    """One piece of reported content with its open reports (the moderation queue groups by content)."""

    kind: str
    object_id: int
    content: ContentKind | None
    obj: Any
    reports: list[Report] = field(default_factory=list)

    @property
    def excerpt(self) -> str:
        if self.content is None or self.obj is None:
            return ""
        return self.content.excerpt_of(self.obj)

    @property
    def url(self) -> str:
        if self.content is None or self.obj is None:
            return ""
        return self.content.url_of(self.obj)

    @property
    def label(self) -> str:
        return str(self.content.label) if self.content else self.kind

    @property
    def first_reported_at(self) -> Any:
        return self.reports[0].created_at if self.reports else None


def moderation_queue(*, community: Any) -> list[QueueItem]:
    """Open reports of the community grouped by content, the longest-waiting first."""
    reports = list(
        Report.objects.open()
        .filter(community=community)
        .select_related("circle", "reporter")
        .order_by("created_at", "pk")
    )
    grouped: dict[tuple[str, int], QueueItem] = {}
    for report in reports:
        key = (report.kind, report.object_id)
        if key not in grouped:
            content = registry.get(report.kind)
            obj = content.model._default_manager.filter(pk=report.object_id).first() if content else None
            grouped[key] = QueueItem(kind=report.kind, object_id=report.object_id, content=content, obj=obj)
        grouped[key].reports.append(report)
    return list(grouped.values())


def reports_for_content(*, kind: str, object_id: int) -> list[Report]:
    return list(
        Report.objects.for_content(kind, object_id)
        .select_related("reporter", "handled_by")
        .order_by("-created_at")
    )


def audit_trail(
    *, community: Any, kind: str | None = None, object_id: int | None = None
) -> QuerySet[ModerationAction]:
    """Every moderation action in the community, in the order they happened."""
    rows = ModerationAction.objects.filter(community=community)
    if kind is not None and object_id is not None:
        rows = rows.filter(kind=kind, object_id=object_id)
    return rows.select_related("actor", "author", "circle", "community", "report").order_by("at", "pk")


def open_report_count(*, community: Any) -> int:
    return Report.objects.open().filter(community=community).count()


def report_of(*, reporter: Any, kind: str, object_id: int) -> Report | None:
    """The reporter's own open report on this content (each reporter sees only their own)."""
    return Report.objects.open().for_content(kind, object_id).filter(reporter=reporter).first()


# --- Concerns -----------------------------------------------------------------------------------


def concerns_raised_by(*, user: Any) -> QuerySet[Concern]:
    return (
        Concern.objects.filter(raised_by=user)
        .select_related("circle", "circle__community")
        .order_by("-updated_at", "-pk")
    )


def concerns_inbox(*, user: Any) -> list[tuple[Concern, bool]]:
    """Concerns `user` handles: (concern, as_escalation). Escalation: an organizer reading a concern
    addressed to the facilitators."""
    managed = CommunityMembership.objects.filter(user=user, role__in=["owner", "organizer"]).values(
        "community"
    )
    facilitated = Membership.objects.filter(user=user, role=MemberRole.FACILITATOR, status__in=SEATED).values(
        "circle"
    )
    rows = (
        Concern.objects.filter(
            Q(circle__community__in=managed)
            | Q(addressed_to=ConcernAddressee.FACILITATOR, circle__in=facilitated)
        )
        .exclude(raised_by=user)
        .select_related("circle", "circle__community", "raised_by")
        .order_by("-updated_at", "-pk")
    )
    facilitated_ids = set(facilitated.values_list("circle", flat=True))
    result = []
    for concern in rows:
        escalation = (
            concern.addressed_to == ConcernAddressee.FACILITATOR and concern.circle_id not in facilitated_ids
        )
        result.append((concern, escalation))
    return result


def concern_get(*, community: Any, concern_id: int) -> Concern | None:
    return (
        Concern.objects.filter(pk=concern_id, circle__community=community)
        .select_related("circle", "circle__community", "raised_by")
        .first()
    )


def concern_timeline(*, concern: Concern) -> list[ConcernEvent]:
    return list(concern.events.select_related("author").order_by("at", "pk"))


# --- Blocks and charters ------------------------------------------------------------------------


def blocks_made_by(*, user: Any) -> QuerySet[Block]:
    return (
        Block.objects.filter(blocker=user).select_related("blocked").order_by("blocked__display_name", "pk")
    )


def people_in_my_circles(*, user: Any) -> list[Any]:
    """Everyone seated in a circle where `user` is seated (whom they might want to block)."""
    from peerpact.accounts.models import User

    mine = Membership.objects.filter(user=user, status__in=SEATED).values("circle")
    ids = Membership.objects.filter(circle__in=mine, status__in=SEATED).exclude(user=user).values("user")
    return list(User.objects.filter(pk__in=ids).order_by("display_name", "email"))


def needs_charter_reaccept(*, user: Any, circle: Circle) -> bool:
    membership = circle_access.membership_in(user, circle)
    return membership is not None and membership.needs_charter_reaccept()
