"""Reads for the organizer dashboard: every figure of every circle of a community, in a fixed number of
aggregate queries whatever the number of circles, members and cycles (see docs/insights.md).

Circle health (label and reasons) is not decided here: the figures read in bulk go through
`engagement.health.health_from_figures`, the same thresholds and words as the circle health page.
Per member and cycle the state follows the tracker's rules (checkins.selectors.grid): a submission by
the cycle's close counts (on time up to the deadline, late after); else a blackout, a pause, or joining
after the cycle opened excuses it; else, once the grace period is over, it is missed. Here those cells
are counted per cycle in SQL and only the rare exceptions (pauses, blackouts) are looked at row by row.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from peerpact.checkins.models import Blackout, Checkin, Cycle, Pause
from peerpact.circles.models import SEATED, Circle, CircleStatus, Membership, MembershipStatus
from peerpact.communities.models import Community
from peerpact.engagement import health as engagement_health
from peerpact.engagement import selectors as engagement_selectors
from peerpact.engagement.health import Health
from peerpact.engagement.models import Pulse, ReengagementCase
from peerpact.feedback.models import Comment, Feedback
from peerpact.feedback.selectors import HELP_WINDOW_CYCLES
from peerpact.goals.models import Direction, Goal, GoalProgress, GoalStatus
from peerpact.safety.models import ModerationState

WINDOW, RECENT = engagement_health.WINDOW, engagement_health.RECENT
NO_TAG = "-"  # the pilot filter's value for "circles without a pilot tag"
# A measured goal is behind when its progress trails the share of its time that has passed by more.
BEHIND_MARGIN = 0.1


# --- Counting ------------------------------------------------------------------------------------


@dataclass
class Counts:
    """Member-cycles of finished cycles. Excused ones (pause, blackout, joined later) are not expected."""

    on_time: int = 0
    late: int = 0
    missed: int = 0
    excused: int = 0

    def add(self, other: Counts) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.missed += other.missed
        self.excused += other.excused

    @property
    def done(self) -> int:
        return self.on_time + self.late

    @property
    def expected(self) -> int:
        return self.done + self.missed

    @property
    def rate(self) -> float | None:
        return self.done / self.expected if self.expected else None

    def share(self, part: str) -> float | None:
        return getattr(self, part) / self.expected if self.expected else None


@dataclass
class GoalCounts:
    achieved: int = 0
    on_track: int = 0
    behind: int = 0

    def add(self, other: GoalCounts) -> None:
        self.achieved += other.achieved
        self.on_track += other.on_track
        self.behind += other.behind

    @property
    def total(self) -> int:
        return self.achieved + self.on_track + self.behind


def goal_standing(
    *,
    status: str,
    direction: str,
    baseline: Decimal,
    target: Decimal | None,
    starts_on: date,
    due_on: date | None,
    latest: Decimal | None,
    today: date,
) -> str | None:
    """ "achieved", "on_track" or "behind" (None: paused or abandoned goals are not counted).

    Behind: an active goal past its due date, or a measured goal with a due date whose progress toward
    the target trails the share of its time already passed by more than 10 points.
    """
    if status == GoalStatus.ACHIEVED:
        return "achieved"
    if status != GoalStatus.ACTIVE:
        return None
    if due_on is not None and due_on < today:
        return "behind"
    if direction == Direction.DONE or due_on is None or target is None or target == baseline:
        return "on_track"
    span = (due_on - starts_on).days
    elapsed = 1.0 if span <= 0 else max(0.0, min(1.0, (today - starts_on).days / span))
    ratio = 0.0 if latest is None else float((latest - baseline) / (target - baseline))
    progress = max(0.0, min(1.0, ratio))
    return "behind" if progress + BEHIND_MARGIN < elapsed else "on_track"


# --- Filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    circle: int | None = None
    purpose: str | None = None
    pilot: str | None = None  # a tag, NO_TAG, or None for all
    weeks: int = 12


def circles_for(*, community: Community, filters: Filters) -> QuerySet[Circle]:
    """The circles the dashboard reads: not archived, narrowed by the filters."""
    found = Circle.objects.filter(community=community).exclude(status=CircleStatus.ARCHIVED)
    if filters.circle is not None:
        found = found.filter(pk=filters.circle)
    if filters.purpose:
        found = found.filter(purpose=filters.purpose)
    if filters.pilot == NO_TAG:
        found = found.filter(pilot_tag="")
    elif filters.pilot:
        found = found.filter(pilot_tag=filters.pilot)
    return found


def filter_choices(*, community: Community) -> tuple[list[tuple[int, str]], list[str]]:
    """Circles (id, name) and the pilot tags in use, for the filter form (one query)."""
    rows = list(
        Circle.objects.filter(community=community)
        .exclude(status=CircleStatus.ARCHIVED)
        .order_by("name", "pk")
        .values_list("pk", "name", "pilot_tag")
    )
    return [(pk, name) for pk, name, _tag in rows], sorted({tag for _pk, _name, tag in rows if tag})


# --- The dashboard -------------------------------------------------------------------------------


@dataclass
class CircleFigures:
    circle: Circle
    health: Health
    members: int  # seated now
    period: Counts
    goals: GoalCounts
    reciprocal: int  # seated members who gave and received feedback in the period
    help_open: int

    @property
    def reciprocity_share(self) -> float | None:
        return self.reciprocal / self.members if self.members else None


@dataclass
class Summary:
    """The same figures added up over a group of circles (all of them, or one pilot group)."""

    label: str = ""
    circles: int = 0
    active_circles: int = 0
    seats: int = 0
    people: int = 0
    counts: Counts = field(default_factory=Counts)
    goals: GoalCounts = field(default_factory=GoalCounts)
    reciprocal: int = 0
    help_open: int = 0
    needing_attention: int = 0

    @property
    def reciprocity_share(self) -> float | None:
        return self.reciprocal / self.seats if self.seats else None


@dataclass
class Week:
    starts_on: date
    counts: Counts


@dataclass
class Dashboard:
    filters: Filters
    starts_on: date
    weeks: list[Week]
    summary: Summary
    circles: list[CircleFigures]  # worst first
    needs_circles: list[CircleFigures]
    needs_members: list[ReengagementCase]
    pilot: list[Summary]
    # Seated members who gave and received feedback, per circle, for each of `reciprocity_weeks`.
    reciprocal_by_weeks: dict[int, dict[int, int]] = field(default_factory=dict)


@dataclass
class _Seat:
    pk: int
    user_id: int
    joined_at: datetime


def _week_start(moment: datetime) -> date:
    day = timezone.localtime(moment).date()
    return day - timedelta(days=day.weekday())


def dashboard(
    *,
    community: Community,
    filters: Filters,
    now: datetime,
    only: Collection[int] | None = None,
    reciprocity_weeks: Collection[int] = (),
) -> Dashboard:
    """Every figure of the organizer dashboard, computed live. A fixed number of queries (pinned in the
    tests). `only` narrows it to some circles (the rows a page shows, the standings being refreshed);
    `reciprocity_weeks` also counts reciprocal members for those other periods.

    The page itself reads insights.board, which ranks over stored standings; this is the reference
    those are computed with (and compared against in the tests)."""
    circle_qs = circles_for(community=community, filters=filters)
    if only is not None:
        circle_qs = circle_qs.filter(pk__in=list(only))
    circles = list(circle_qs.select_related("community").order_by("name", "pk"))
    this_week = _week_start(now)
    starts_on = this_week - timedelta(weeks=filters.weeks - 1)
    period_start = timezone.make_aware(datetime.combine(starts_on, time.min))

    # Memberships: who is seated (and since when), and every user id ever in (for "given" feedback).
    seated: dict[int, list[_Seat]] = defaultdict(list)
    by_user: dict[int, dict[int, int]] = defaultdict(dict)
    for pk, circle_id, user_id, status, joined_at, created_at in (
        Membership.objects.filter(circle__in=circle_qs)
        .values_list("pk", "circle_id", "user_id", "status", "joined_at", "created_at")
        .iterator(chunk_size=5000)
    ):
        by_user[circle_id][user_id] = pk
        if status in SEATED:
            seated[circle_id].append(_Seat(pk, user_id, joined_at or created_at))
    for seats in seated.values():
        seats.sort(key=lambda s: s.joined_at)

    final = Cycle.objects.filter(circle__in=circle_qs, grace_until__lte=now)
    fields = ("pk", "circle_id", "index", "opens_at", "deadline_at")
    window_rows = list(
        final.annotate(rank=Window(RowNumber(), partition_by=[F("circle_id")], order_by=F("index").desc()))
        .filter(rank__lte=WINDOW)
        .values_list(*fields)
    )
    period_rows = list(final.filter(deadline_at__gte=period_start).values_list(*fields))
    cycles = {row[0]: row for row in window_rows + period_rows}
    earliest = min((row[4] for row in cycles.values()), default=now)
    counts = _cycle_counts(
        circles=circles,
        cycles=cycles,
        seated=seated,
        circle_qs=circle_qs,
        finished=Q(cycle__grace_until__lte=now, cycle__deadline_at__gte=earliest),
    )

    window_by_circle: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in sorted(window_rows, key=lambda r: (r[1], r[2])):
        window_by_circle[row[1]].append(row)
    period_by_circle: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in period_rows:
        period_by_circle[row[1]].append(row)

    # Where each circle's health window opens: the 12th latest finished cycle, or the oldest there is.
    window_start = {pk: rows[0][3] for pk, rows in window_by_circle.items() if rows}
    health_reciprocity = _reciprocity(circle_qs, by_user, since=window_start)
    period_reciprocity = _reciprocity(circle_qs, by_user, since=period_start)
    other_reciprocity = {
        weeks: _reciprocity(
            circle_qs,
            by_user,
            since=timezone.make_aware(datetime.combine(this_week - timedelta(weeks=weeks - 1), time.min)),
        )
        for weeks in reciprocity_weeks
        if weeks != filters.weeks
    }
    other_reciprocity[filters.weeks] = period_reciprocity
    help_open = _help_counts(circle_qs, now)
    cases = list(
        ReengagementCase.objects.open()
        .filter(membership__circle__in=circle_qs)
        .select_related("membership__user", "membership__circle", "started_cycle", "peer")
        .order_by("-step", "created_at", "pk")
    )
    cases_by_circle: dict[int, list[ReengagementCase]] = defaultdict(list)
    for case in cases:
        cases_by_circle[case.membership.circle_id].append(case)
    pulses = _latest_pulses(circle_qs, now)
    goals = _goal_counts(circle_qs, timezone.localdate(now))

    weekly: dict[date, Counts] = {starts_on + timedelta(weeks=i): Counts() for i in range(filters.weeks)}
    reciprocal_by_weeks: dict[int, dict[int, int]] = {}
    figures = []
    by_pk = {circle.pk: circle for circle in circles}
    for circle in circles:
        window = window_by_circle.get(circle.pk, [])
        recent, whole = Counts(), Counts()
        for position, row in enumerate(window):
            cell = counts.get(row[0], Counts())
            whole.add(cell)
            if position >= len(window) - RECENT:
                recent.add(cell)
        period = Counts()
        for row in period_by_circle.get(circle.pk, []):
            cell = counts.get(row[0], Counts())
            period.add(cell)
            bucket = weekly.get(_week_start(row[4]))
            if bucket is not None:
                bucket.add(cell)
        member_ids = [s.pk for s in seated.get(circle.pk, [])]
        circle_help = help_open.get(circle.pk, 0)
        health = engagement_health.health_from_figures(
            circle=circle,
            rate_recent=recent.rate,
            rate_window=whole.rate,
            cycles_read=len(window),
            cases=cases_by_circle.get(circle.pk, []),
            reciprocity=health_reciprocity.get(circle.pk, {}),
            member_ids=member_ids,
            # The help signal only counts the requests; the dashboard does not list them.
            help_requests=[None] * circle_help,
            pulse=pulses.get(circle.pk),
        )
        given_received = period_reciprocity.get(circle.pk, {})
        for weeks in reciprocity_weeks:
            pairs = other_reciprocity[weeks].get(circle.pk, {})
            reciprocal_by_weeks.setdefault(weeks, {})[circle.pk] = _reciprocal(member_ids, pairs)
        figures.append(
            CircleFigures(
                circle=by_pk[circle.pk],
                health=health,
                members=len(member_ids),
                period=period,
                goals=goals.get(circle.pk, GoalCounts()),
                reciprocal=_reciprocal(member_ids, given_received),
                help_open=circle_help,
            )
        )
    figures.sort(key=_worst_first)
    summary = _summarize("", figures, seated)
    groups: dict[str, list[CircleFigures]] = defaultdict(list)
    for figure in figures:
        groups[figure.circle.pilot_tag].append(figure)
    pilot = [_summarize(tag, groups[tag], seated) for tag in sorted(groups) if tag]
    if pilot and groups.get(""):
        pilot.append(_summarize("", groups[""], seated))
    return Dashboard(
        filters=filters,
        starts_on=starts_on,
        weeks=[Week(starts_on=day, counts=c) for day, c in weekly.items()],
        summary=summary,
        circles=figures,
        needs_circles=[f for f in figures if f.health.label == "needs_attention"],
        needs_members=cases,
        pilot=pilot,
        reciprocal_by_weeks=reciprocal_by_weeks,
    )


def _reciprocal(member_ids: list[int], given_received: dict[int, tuple[int, int]]) -> int:
    return sum(1 for pk in member_ids if all(n > 0 for n in given_received.get(pk, (0, 0))))


def week_start(moment: datetime) -> date:
    """Monday of the moment's week in the active time zone (the viewer's): what the charts group by."""
    return _week_start(moment)


def period_start(*, now: datetime, weeks: int) -> tuple[date, datetime]:
    """The first day of a period of `weeks` weeks ending this week, and that day's start."""
    starts_on = _week_start(now) - timedelta(weeks=weeks - 1)
    return starts_on, timezone.make_aware(datetime.combine(starts_on, time.min))


def cycle_counts_for(*, cycle_ids: Collection[int]) -> dict[int, Counts]:
    """On time / late / missed / excused of some finished cycles, by the same code as the dashboard
    (what insights.summaries stores). A fixed number of queries."""
    rows = list(
        Cycle.objects.filter(pk__in=list(cycle_ids)).values_list(
            "pk", "circle_id", "index", "opens_at", "deadline_at"
        )
    )
    if not rows:
        return {}
    circle_ids = {row[1] for row in rows}
    circle_qs = Circle.objects.filter(pk__in=circle_ids)
    seated: dict[int, list[_Seat]] = defaultdict(list)
    for pk, circle_id, user_id, joined_at, created_at in Membership.objects.filter(
        circle_id__in=circle_ids, status__in=SEATED
    ).values_list("pk", "circle_id", "user_id", "joined_at", "created_at"):
        seated[circle_id].append(_Seat(pk, user_id, joined_at or created_at))
    for seats in seated.values():
        seats.sort(key=lambda s: s.joined_at)
    return _cycle_counts(
        circles=list(circle_qs),
        cycles={row[0]: row for row in rows},
        seated=seated,
        circle_qs=circle_qs,
        finished=Q(cycle_id__in=[row[0] for row in rows]),
    )


def _worst_first(figure: CircleFigures) -> tuple[int, float, str, int]:
    rate = figure.health.rate_recent
    return (
        engagement_health.LABEL_ORDER[figure.health.label],
        rate if rate is not None else 2.0,
        figure.circle.name.casefold(),
        figure.circle.pk,
    )


def _summarize(label: str, figures: list[CircleFigures], seated: dict[int, list[_Seat]]) -> Summary:
    summary = Summary(label=label, circles=len(figures))
    people: set[int] = set()
    for figure in figures:
        summary.active_circles += figure.circle.status == CircleStatus.ACTIVE
        summary.seats += figure.members
        people.update(s.user_id for s in seated.get(figure.circle.pk, []))
        summary.counts.add(figure.period)
        summary.goals.add(figure.goals)
        summary.reciprocal += figure.reciprocal
        summary.help_open += figure.help_open
        summary.needing_attention += figure.health.label == "needs_attention"
    summary.people = len(people)
    return summary


def _cycle_counts(
    *,
    circles: list[Circle],
    cycles: dict[int, tuple[Any, ...]],
    seated: dict[int, list[_Seat]],
    circle_qs: QuerySet[Circle],
    finished: Q,
) -> dict[int, Counts]:
    """On time, late, missed and excused member-cycles per finished cycle (five queries)."""
    joined_before_deadline = Q(membership__joined_at__lt=F("cycle__deadline_at")) | Q(
        membership__joined_at__isnull=True, membership__created_at__lt=F("cycle__deadline_at")
    )
    joined_after_opening = Q(membership__joined_at__gt=F("cycle__opens_at")) | Q(
        membership__joined_at__isnull=True, membership__created_at__gt=F("cycle__opens_at")
    )
    submitted = (
        Checkin.objects.filter(
            finished,
            membership__circle__in=circle_qs,
            membership__status__in=SEATED,
            submitted_at__isnull=False,
            submitted_at__lte=F("cycle__closes_at"),
        )
        .filter(joined_before_deadline)
        .values("cycle_id")
        .annotate(
            done=Count("pk"),
            on_time=Count("pk", filter=Q(submitted_at__lte=F("cycle__deadline_at"))),
            late_joiners=Count("pk", filter=joined_after_opening),
        )
    )
    done = {row["cycle_id"]: row for row in submitted}
    blackouts: dict[int, list[Blackout]] = defaultdict(list)
    for blackout in Blackout.objects.filter(circle__in=circle_qs):
        blackouts[blackout.circle_id].append(blackout)
    pauses: dict[int, list[Pause]] = defaultdict(list)
    for pause in Pause.objects.filter(membership__circle__in=circle_qs, membership__status__in=SEATED):
        pauses[pause.membership_id].append(pause)
    paused_done = set(
        Checkin.objects.filter(
            finished,
            membership_id__in=list(pauses),
            submitted_at__isnull=False,
            submitted_at__lte=F("cycle__closes_at"),
        ).values_list("membership_id", "cycle_id")
    )
    zones = {circle.pk: ZoneInfo(circle.timezone) for circle in circles}
    joined_lists = {pk: [s.joined_at for s in seats] for pk, seats in seated.items()}
    paused = {pk: [s for s in seats if s.pk in pauses] for pk, seats in seated.items()}
    result: dict[int, Counts] = {}
    for cycle_id, circle_id, _index, opens_at, deadline_at in cycles.values():
        joined = joined_lists.get(circle_id, [])
        members_in = bisect_left(joined, deadline_at)  # joined strictly before the deadline
        late_joiners = members_in - _count_not_after(joined, opens_at)
        row = done.get(cycle_id, {"done": 0, "on_time": 0, "late_joiners": 0})
        day = deadline_at.astimezone(zones[circle_id]).date()
        if any(b.covers(day) for b in blackouts.get(circle_id, [])):
            excused = members_in - row["done"]
        else:
            excused = late_joiners - row["late_joiners"]
            for seat in paused.get(circle_id, []):
                if seat.joined_at > opens_at or seat.joined_at >= deadline_at:
                    continue  # late joiners are counted above; later ones are not in this cycle
                if any(p.covers(day, deadline_at) for p in pauses[seat.pk]) and (
                    (seat.pk, cycle_id) not in paused_done
                ):
                    excused += 1
        result[cycle_id] = Counts(
            on_time=row["on_time"],
            late=row["done"] - row["on_time"],
            missed=members_in - row["done"] - excused,
            excused=excused,
        )
    return result


def _count_not_after(ordered: list[datetime], moment: datetime) -> int:
    """How many of the sorted instants are at or before `moment`."""
    low, high = 0, len(ordered)
    while low < high:
        middle = (low + high) // 2
        if ordered[middle] <= moment:
            low = middle + 1
        else:
            high = middle
    return low


def _reciprocity(
    circle_qs: QuerySet[Circle], by_user: dict[int, dict[int, int]], *, since: datetime | dict[int, datetime]
) -> dict[int, dict[int, tuple[int, int]]]:
    """Circle id -> membership id -> (given, received), as feedback.selectors.reciprocity counts them
    (replies on one's own check-in are neither; anonymous feedback is received but not given)."""
    given: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    received: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for model in (Comment, Feedback):
        rows = model.objects.visible().filter(checkin__membership__circle__in=circle_qs)
        if isinstance(since, datetime):
            rows = rows.filter(created_at__gte=since)
        elif not since:
            continue  # no circle has a finished cycle: no window
        else:  # per circle (a CASE of constants: no subquery per row), within the earliest bound
            opens = Case(
                *(When(checkin__membership__circle_id=pk, then=Value(at)) for pk, at in since.items()),
                default=None,
                output_field=DateTimeField(),
            )
            rows = rows.filter(created_at__gte=min(since.values()))
            rows = rows.annotate(window_opens=opens).filter(created_at__gte=F("window_opens"))
        keys = ["checkin__membership__circle_id", "author_id", "checkin__membership_id"]
        keys += ["checkin__membership__user_id"] + (["anonymous"] if model is Feedback else [])
        for values in rows.values(*keys).annotate(n=Count("pk")).values_list(*keys, "n"):
            circle_id, author_id, owner_membership, owner_user = values[:4]
            is_anonymous, n = (values[4], values[5]) if model is Feedback else (False, values[4])
            if author_id == owner_user:
                continue
            received[circle_id][owner_membership] += n
            author_membership = by_user.get(circle_id, {}).get(author_id)
            if not is_anonymous and author_membership is not None:
                given[circle_id][author_membership] += n
    result: dict[int, dict[int, tuple[int, int]]] = {}
    for circle_id in set(given) | set(received):
        ids = set(given[circle_id]) | set(received[circle_id])
        result[circle_id] = {pk: (given[circle_id][pk], received[circle_id][pk]) for pk in ids}
    return result


def _help_counts(circle_qs: QuerySet[Circle], now: datetime) -> dict[int, int]:
    """Open help requests per circle, as feedback.selectors.open_help_requests finds them."""
    latest = (
        Cycle.objects.filter(circle_id=OuterRef("membership__circle_id"), opens_at__lte=now)
        .order_by("-index")
        .values("index")[:1]
    )
    rows = (
        Checkin.objects.filter(
            membership__circle__in=circle_qs,
            membership__status__in=(MembershipStatus.ACTIVE, MembershipStatus.PAUSED),
            submitted_at__isnull=False,
            moderation_state=ModerationState.VISIBLE,
            help_resolution__isnull=True,
        )
        .exclude(help_request="")
        .annotate(latest_index=Subquery(latest))
        .filter(cycle__index__gte=F("latest_index") - HELP_WINDOW_CYCLES + 1)
        .values("membership__circle_id")
        .annotate(n=Count("pk"))
    )
    return {row["membership__circle_id"]: row["n"] for row in rows}


def _latest_pulses(circle_qs: QuerySet[Circle], now: datetime) -> dict[int, Any]:
    latest: dict[int, Pulse] = {}
    for opened in Pulse.objects.filter(circle__in=circle_qs, opens_at__lte=now).order_by(
        "circle_id", "-opens_at"
    ):
        latest.setdefault(opened.circle_id, opened)
    results = engagement_selectors.pulse_results_many(pulses=list(latest.values()))
    return {circle_id: results[pulse.pk] for circle_id, pulse in latest.items()}


def _goal_counts(circle_qs: QuerySet[Circle], today: date) -> dict[int, GoalCounts]:
    latest = GoalProgress.objects.filter(goal=OuterRef("pk")).order_by("-cycle__index").values("value")[:1]
    found: dict[int, GoalCounts] = defaultdict(GoalCounts)
    rows = (
        Goal.objects.filter(membership__circle__in=circle_qs, membership__status__in=SEATED)
        .exclude(status__in=[GoalStatus.PAUSED, GoalStatus.ABANDONED])
        .annotate(latest=Subquery(latest))
        .values_list(
            "membership__circle_id",
            "status",
            "direction",
            "baseline",
            "target",
            "starts_on",
            "due_on",
            "latest",
        )
    )
    for circle_id, status, direction, baseline, target, starts_on, due_on, value in rows.iterator(
        chunk_size=5000
    ):
        standing = goal_standing(
            status=status,
            direction=direction,
            baseline=baseline,
            target=target,
            starts_on=starts_on,
            due_on=due_on,
            latest=value,
            today=today,
        )
        if standing is not None:
            counts = found[circle_id]
            setattr(counts, standing, getattr(counts, standing) + 1)
    return found
