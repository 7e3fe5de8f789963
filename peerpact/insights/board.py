"""The organizer dashboard page's read: O(page size) rows whatever the size of the community.

- Ranking ("needs you", the circles table) is ORDER BY ... LIMIT over the circles' stored standings
  (insights.models.CircleStanding); the rows shown (at most 25 + 25 circles) are computed live by
  insights.selectors.dashboard, so every figure in a row is exact at the time of the request.
- Check-in counts (at a glance, pilots, weekly charts) are SUM ... GROUP BY over the cycle summaries.
- Goals, reciprocity, open help requests and "needing attention" in the totals are sums of standings.

Before reading, whatever the worker has not brought up to date yet (a summary or standing missing,
marked stale by an event, or expired) is computed on the spot for the filtered circles, so a request
never reads a stale value that the code knows about. See docs/insights.md ("Cost and freshness").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from peerpact.circles.models import SEATED, CircleStatus, Membership
from peerpact.communities.models import Community
from peerpact.engagement.models import ReengagementCase
from peerpact.insights import selectors, summaries
from peerpact.insights.models import CircleStanding, CycleSummary, SummaryState
from peerpact.insights.selectors import CircleFigures, Counts, Filters, GoalCounts, Summary, Week

PAGE_SIZE = 25
NEEDS_SHOWN = 25
RANK = ("label_order", "rate_sort", "sort_name", "circle_id")
CASE_ORDER = ("-step", "created_at", "pk")
COUNTS_CACHED_FOR = 24 * 3600  # seconds; the key changes with the summaries anyway


@dataclass
class Board:
    filters: Filters
    starts_on: date
    weeks: list[Week]
    summary: Summary
    pilot: list[Summary]
    page: Page[Any]  # object_list: CircleFigures of the page, worst first
    needs_circles: list[CircleFigures]  # the first NEEDS_SHOWN
    needs_total: int
    needs_members: list[ReengagementCase]  # the first NEEDS_SHOWN, highest step first
    needs_members_total: int

    @property
    def circles(self) -> list[CircleFigures]:
        return list(self.page.object_list)


def board(*, community: Community, filters: Filters, now: datetime, page: Any = None) -> Board:
    """Everything the dashboard page shows, in a fixed number of queries (pinned in the tests)."""
    circle_qs = selectors.circles_for(community=community, filters=filters)
    starts_on, period_start = selectors.period_start(now=now, weeks=filters.weeks)

    # Fill in on the spot what the worker has not done yet (nothing, when it keeps up).
    state = SummaryState.objects.filter(community=community).first()
    stale_cycles = summaries.cycles_needing_summary(now=now, circle_ids=circle_qs, state=state)
    if stale_cycles:
        summaries.cycle_summaries_write(cycle_ids=stale_cycles, now=now)
        state = None  # its version is old now: count without the cache this time
    stale_standings = summaries.circles_needing_standing(now=now, circles=circle_qs)
    for community_id, ids in stale_standings.items():
        if community_id == community.pk:
            summaries.circle_standings_write(community=community, circle_ids=ids, now=now)

    standings = CircleStanding.objects.filter(circle__in=circle_qs)
    ranked = Paginator(standings.order_by(*RANK).values_list("circle_id", flat=True), PAGE_SIZE).get_page(
        page
    )
    needs = standings.filter(label="needs_attention")
    needs_ids = list(needs.order_by(*RANK).values_list("circle_id", flat=True)[:NEEDS_SHOWN])
    shown_ids = list(dict.fromkeys([*needs_ids, *ranked.object_list]))
    live = selectors.dashboard(community=community, filters=filters, now=now, only=shown_ids)
    by_pk = {f.circle.pk: f for f in live.circles}
    ranked.object_list = [by_pk[pk] for pk in ranked.object_list if pk in by_pk]  # type: ignore[misc]

    # Ranked on the narrow rows, then only the first few read with their member, circle and cycle.
    cases = ReengagementCase.objects.open().filter(membership__circle__in=circle_qs)
    first_cases = cases.order_by(*CASE_ORDER).values("pk")[:NEEDS_SHOWN]
    needs_members = list(
        ReengagementCase.objects.filter(pk__in=first_cases)
        .select_related("membership__user", "membership__circle", "started_cycle", "peer")
        .order_by(*CASE_ORDER)
    )
    key = None
    if state is not None:
        parts = f"{filters}|{starts_on}|{timezone.get_current_timezone_name()}"
        key = f"insights:counts:{community.pk}:{state.version}:{hashlib.sha256(parts.encode()).hexdigest()}"
    found = cache.get(key) if key else None
    if found is None:
        found = _counts(circle_qs, starts_on=starts_on, period_start=period_start, now=now, n=filters.weeks)
        if key:
            cache.set(key, found, COUNTS_CACHED_FOR)
    weeks, groups = found
    summary, pilot = _totals(circle_qs, standings, groups, filters.weeks)
    return Board(
        filters=filters,
        starts_on=starts_on,
        weeks=weeks,
        summary=summary,
        pilot=pilot,
        page=ranked,
        needs_circles=[by_pk[pk] for pk in needs_ids if pk in by_pk],
        needs_total=summary.needing_attention,  # the same circles, counted with the other sums
        needs_members=needs_members,
        needs_members_total=cases.count(),
    )


def _counts(
    circle_qs: Any, *, starts_on: date, period_start: datetime, now: datetime, n: int
) -> tuple[list[Week], dict[str, Counts]]:
    """Weekly counts (all filtered circles) and the period's counts per pilot tag, from the summaries
    of finished cycles whose deadline falls in the period (one query)."""
    # Weeks run Monday to Sunday in the viewer's zone: their bounds are computed here and compared in
    # SQL (a CASE), because truncating in the database's zone functions runs Python per row on SQLite.
    mondays = [starts_on + timedelta(weeks=i) for i in range(n + 1)]
    bounds = [timezone.make_aware(datetime.combine(day, time.min)) for day in mondays]
    week = Case(
        *(When(deadline_at__lt=bound, then=Value(i)) for i, bound in enumerate(bounds[1:])),
        default=Value(n),
        output_field=IntegerField(),
    )
    rows = (
        CycleSummary.objects.filter(
            circle__in=circle_qs,
            deadline_at__gte=period_start,
            grace_until__lte=now,
            grace_until=F("cycle__grace_until"),
            closes_at=F("cycle__closes_at"),
        )
        .annotate(week=week)
        .values("week", "circle__pilot_tag")
        .annotate(on_time=Sum("on_time"), late=Sum("late"), missed=Sum("missed"), excused=Sum("excused"))
        .values_list("week", "circle__pilot_tag", "on_time", "late", "missed", "excused")
    )
    weekly = {day: Counts() for day in mondays[:n]}
    groups: dict[str, Counts] = {}
    for index, tag, *values in rows:
        cell = Counts(*values)
        if index < n:
            weekly[mondays[index]].add(cell)
        groups.setdefault(tag, Counts()).add(cell)
    return [Week(starts_on=day, counts=c) for day, c in weekly.items()], groups


def _totals(
    circle_qs: Any, standings: Any, counts: dict[str, Counts], weeks: int
) -> tuple[Summary, list[Summary]]:
    """At a glance and the pilot comparison: sums over circles, seats and standings per pilot tag."""
    groups: dict[str, Summary] = {}
    for tag, circles, active in (
        circle_qs.values("pilot_tag")
        .annotate(n=Count("pk"), active=Count("pk", filter=Q(status=CircleStatus.ACTIVE)))
        .values_list("pilot_tag", "n", "active")
    ):
        groups[tag] = Summary(label=tag, circles=circles, active_circles=active)
    reciprocal = f"reciprocal_{weeks}"
    shared = 0
    for tag, *values in (
        standings.values("circle__pilot_tag")
        .annotate(
            seats=Sum("members"),
            shared=Sum("shared"),
            achieved=Sum("goals_achieved"),
            on_track=Sum("goals_on_track"),
            behind=Sum("goals_behind"),
            reciprocal=Sum(reciprocal),
            help_open=Sum("help_open"),
            needing=Count("pk", filter=Q(label="needs_attention")),
        )
        .values_list(
            "circle__pilot_tag",
            "seats",
            "shared",
            "achieved",
            "on_track",
            "behind",
            "reciprocal",
            "help_open",
            "needing",
        )
    ):
        group = groups[tag]
        group.seats, group_shared, *values = values
        shared += group_shared or 0
        group.goals = GoalCounts(*values[:3])
        group.reciprocal, group.help_open, group.needing_attention = values[3:]
    for tag, cell in counts.items():
        if tag in groups:
            groups[tag].counts = cell
    total = Summary(label="")
    for group in groups.values():
        total.circles += group.circles
        total.active_circles += group.active_circles
        total.seats += group.seats
        total.counts.add(group.counts)
        total.goals.add(group.goals)
        total.reciprocal += group.reciprocal
        total.help_open += group.help_open
        total.needing_attention += group.needing_attention
    # Distinct people: every seat whose member sits nowhere else counts once; those seated in several
    # circles are counted live, reading only the circles that have such members.
    several = Membership.objects.filter(
        circle_id__in=standings.filter(shared__gt=0).values("circle_id"), status__in=SEATED
    ).filter(summaries.other_seat())
    total.people = total.seats - shared + several.aggregate(n=Count("user_id", distinct=True))["n"]
    pilot = [groups[tag] for tag in sorted(groups) if tag]
    if pilot and "" in groups:
        pilot.append(groups[""])
    return total, pilot
