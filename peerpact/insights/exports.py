"""CSV exports of a circle or a whole community: check-ins, goals, commitments, reviews, health.

Each export is a header and a lazy row iterator, streamed through lib.csv (formula-safe, UTF-8 with a
BOM). What a row shows follows the pages: private goals only to whom goals.access shows them, e-mail
addresses only to managers, pause reasons and anonymous feedback authors never, program reviewers only
to the community's organizers, and no free text of check-ins, feedback or reviews at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.checkins.views.tracker import circle_csv_rows, csv_header
from peerpact.circles import access as circle_access
from peerpact.circles.models import SEATED, Circle
from peerpact.communities import access as community_access
from peerpact.communities.models import Community
from peerpact.engagement import health as engagement_health
from peerpact.goals import access as goal_access
from peerpact.goals import charts as goal_charts
from peerpact.goals.models import Commitment, Goal, GoalProgress
from peerpact.insights import selectors
from peerpact.lib.csv import Cell

KINDS = ("checkins", "goals", "commitments", "reviews", "health")
Rows = Iterator[list[Cell]]


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else ""


def _number(value: Any) -> Cell:
    return "" if value is None else str(goal_charts.plain(value))


def export(
    *, kind: str, viewer: Any, now: datetime, community: Community, circle: Circle | None = None
) -> tuple[list[str], Rows]:
    """The header and rows of one export, for a circle (given) or the whole community."""
    is_manager = community_access.is_community_manager(viewer, community)
    match kind:
        case "checkins":
            return csv_header(), _checkins(community, circle, viewer, now)
        case "goals":
            return _goals(community, circle, viewer, now, is_manager)
        case "commitments":
            return _commitments(community, circle, viewer)
        case "reviews":
            return _reviews(community, circle, is_manager)
        case "health":
            return _health(community, circle, now)
    raise ValueError(kind)


def _circles(community: Community, circle: Circle | None) -> Iterator[Circle]:
    """The circle, or every circle of the community by name, read in chunks (never all at once)."""
    if circle is not None:
        yield circle
        return
    for found in Circle.objects.filter(community=community).order_by("name", "pk").iterator(chunk_size=20):
        found.community = community  # shared object: access checks reuse its caches
        yield found


def _checkins(community: Community, circle: Circle | None, viewer: Any, now: datetime) -> Rows:
    """The tracker's CSV, circle after circle (the same columns and rules as its download)."""
    for found in _circles(community, circle):
        yield from circle_csv_rows(found, now=now, show_email=circle_access.can_manage_circle(viewer, found))


def _in_scope(community: Community, circle: Circle | None) -> dict[str, Any]:
    """Rows of seated members of the circle, or of every circle of the community."""
    where: dict[str, Any] = {"membership__status__in": SEATED}
    if circle is not None:
        where["membership__circle"] = circle
    else:
        where["membership__circle__community"] = community
    return where


class _SharedCircles:
    """One Circle object per circle while rows come ordered by circle, so access checks reuse its
    caches; only the current one is kept (memory stays flat for any number of circles)."""

    def __init__(self, community: Community, circle: Circle | None) -> None:
        self.community = community
        self.current = circle

    def of(self, membership: Any) -> Circle:
        if self.current is None or self.current.pk != membership.circle_id:
            self.current = membership.circle  # loaded with the row (select_related)
            self.current.community = self.community
        membership.circle = self.current
        return self.current


def _goal_rows(community: Community, circle: Circle | None) -> QuerySet[Goal]:
    latest = GoalProgress.objects.filter(goal=OuterRef("pk")).order_by("-cycle__index")
    return (
        Goal.objects.filter(**_in_scope(community, circle))
        .select_related("membership__user", *(["membership__circle"] if circle is None else []))
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_cycle=Subquery(latest.values("cycle__index")[:1]),
        )
        .order_by("membership__circle_id", "membership__user__display_name", "pk")
    )


def _goals(
    community: Community, circle: Circle | None, viewer: Any, now: datetime, is_manager: bool
) -> tuple[list[str], Rows]:
    header = [
        _("Circle"),
        _("Member"),
        _("Email"),
        _("Goal"),
        _("Status"),
        _("Standing"),
        _("Measure"),
        _("Unit"),
        _("Starting value"),
        _("Target"),
        _("Latest value"),
        _("Latest cycle"),
        _("Toward the target (%)"),
        _("Starts"),
        _("Due"),
        _("Who can see it"),
    ]
    today = timezone.localdate(now)
    shared = _SharedCircles(community, circle)

    def rows() -> Rows:
        for goal in _goal_rows(community, circle).iterator(chunk_size=2000):
            here = shared.of(goal.membership)
            if not goal_access.can_view_goal(viewer, goal):
                continue
            latest = goal.latest_value  # type: ignore[attr-defined]
            standing = selectors.goal_standing(
                status=goal.status,
                direction=goal.direction,
                baseline=goal.baseline,
                target=goal.target,
                starts_on=goal.starts_on,
                due_on=goal.due_on,
                latest=latest,
                today=today,
            )
            yield [
                here.name,
                goal.membership.user.name,
                goal.membership.user.email if circle_access.can_manage_circle(viewer, here) else "",
                goal.title,
                goal.status,
                standing or "",
                goal.direction,
                goal.unit,
                _number(goal.baseline),
                _number(goal.target),
                _number(latest),
                goal.latest_cycle or "",  # type: ignore[attr-defined]
                goal_charts.percent(goal.progress_ratio(latest)) if goal.direction != "done" else "",
                goal.starts_on.isoformat(),
                goal.due_on.isoformat() if goal.due_on else "",
                goal.visibility,
            ]

    return header, rows()


def _commitments(community: Community, circle: Circle | None, viewer: Any) -> tuple[list[str], Rows]:
    header = [
        _("Circle"),
        _("Member"),
        _("Cycle"),
        _("Commitment"),
        _("Goal"),
        _("How much"),
        _("Status"),
        _("Carried over from cycle"),
        _("Created (UTC)"),
        _("Resolved (UTC)"),
    ]
    shared = _SharedCircles(community, circle)
    related = ["membership__user", "cycle", "goal", "carried_from__cycle"]

    def rows() -> Rows:
        found = (
            Commitment.objects.filter(**_in_scope(community, circle))
            .select_related(*related, *(["membership__circle"] if circle is None else []))
            .order_by("membership__circle_id", "cycle__index", "membership__user__display_name", "pk")
        )
        for commitment in found.iterator(chunk_size=2000):
            here = shared.of(commitment.membership)
            goal = commitment.goal
            if goal is not None:
                goal.membership = commitment.membership
            goal_title = goal.title if goal is not None and goal_access.can_view_goal(viewer, goal) else ""
            yield [
                here.name,
                commitment.membership.user.name,
                commitment.cycle.index,
                commitment.text,
                goal_title,
                _number(commitment.quantity),
                commitment.status,
                commitment.carried_from.cycle.index if commitment.carried_from else "",
                _utc(commitment.created_at),
                _utc(commitment.resolved_at),
            ]

    return header, rows()


def _reviews(community: Community, circle: Circle | None, is_manager: bool) -> tuple[list[str], Rows]:
    """Program peer reviews of the circle's (or community's) learners: when, scores, helpfulness.
    The reviewer's name only for the community's organizers; never the written feedback."""
    from peerpact.programs.models import ReviewAssignment

    header = [
        _("Program"),
        _("Cohort"),
        _("Module"),
        _("Circle"),
        _("Author"),
        _("Reviewer"),
        _("Assigned (UTC)"),
        _("Due (UTC)"),
        _("Completed (UTC)"),
        _("Released (UTC)"),
        _("Average score"),
        _("Rated helpful (1-5)"),
    ]
    found = ReviewAssignment.objects.filter(submission__module__program__community=community)
    if circle is not None:
        found = found.filter(submission__enrollment__circle=circle)
    found = found.select_related(
        "reviewer",
        "review",
        "submission__module__program",
        "submission__enrollment__cohort",
        "submission__enrollment__user",
        "submission__enrollment__circle",
    ).order_by("submission__module__program_id", "submission__module__position", "due_at", "pk")

    def rows() -> Rows:
        for assignment in found.iterator(chunk_size=2000):
            submission = assignment.submission
            enrollment = submission.enrollment
            review = getattr(assignment, "review", None)
            # A one-to-one caches both ways (a reference cycle): unlink, so the row is freed at once
            # rather than piling up until the cyclic GC runs.
            assignment._state.fields_cache.pop("review", None)
            scores = [float(v) for v in (review.scores or {}).values()] if review else []
            yield [
                submission.module.program.title,
                enrollment.cohort.name,
                submission.module.title,
                enrollment.circle.name if enrollment.circle else "",
                enrollment.user.name,
                assignment.reviewer.name if is_manager else "",
                _utc(assignment.assigned_at),
                _utc(assignment.due_at),
                _utc(assignment.completed_at),
                _utc(assignment.released_at),
                round(sum(scores) / len(scores), 2) if scores else "",
                review.helpful if review and review.helpful else "",
            ]

    return header, rows()


SIGNALS = ("rate", "trend", "cases", "reciprocity", "help", "pulse")


def _health(community: Community, circle: Circle | None, now: datetime) -> tuple[list[str], Rows]:
    if circle is not None:
        return _circle_health(circle, now)
    header = [_("Circle"), _("Purpose"), _("Pilot tag"), _("Members"), _("Health")]
    for key in SIGNALS:
        header += [f"{key}", f"{key} status"]
    header.append(_("Why"))

    def rows() -> Rows:
        board = selectors.dashboard(community=community, filters=selectors.Filters(), now=now)
        for figure in board.circles:
            health = figure.health
            by_key = {s.key: s for s in health.signals}
            line: list[Cell] = [
                figure.circle.name,
                figure.circle.purpose,
                figure.circle.pilot_tag,
                figure.members,
                health.label,
            ]
            for key in SIGNALS:
                line += [by_key[key].value, by_key[key].status]
            line.append(" ".join(f"{s.name}: {s.reason}" for s in health.reasons))
            yield line

    return header, rows()


def _circle_health(circle: Circle, now: datetime) -> tuple[list[str], Rows]:
    header = [
        _("Circle"),
        _("Health"),
        _("Member"),
        _("Check-in rate, last 12 cycles (%)"),
        _("Current streak"),
        _("Missed, last 12 cycles"),
        _("Feedback given"),
        _("Feedback received"),
        _("Re-engagement step"),
    ]

    def rows() -> Rows:
        health = engagement_health.circle_health(circle=circle, now=now)
        for member in health.members:
            yield [
                circle.name,
                health.label,
                member.membership.user.name,
                "" if member.rate is None else round(member.rate * 100),
                member.streak,
                member.missed,
                "" if member.given is None else member.given,
                "" if member.received is None else member.received,
                member.case.step if member.case else "",
            ]

    return header, rows()
