"""Keeping the dashboard's summaries (insights.models) current: worker units, event subscribers, and
the on-demand fill the dashboard and `manage.py insights_summaries` use.

- A cycle's summary is written once its grace period is over (the cycle is "finished": its cells are
  final except for a late check-in before it closes). It is marked stale by a check-in submitted or
  edited in it (`checkin.submitted`), and every summary of a circle by a seat change (`member.joined`,
  `member.left`: the tracker only counts seated members, so history changes with the seats).
  The worker also recounts, without an event: a summary made before its cycle closed, once the cycle
  has closed and at least every STANDING_MAX_AGE before; a summary whose blackout coverage changed.
  A summary whose cycle's times moved (a rhythm change) is not read: the page counts it again.
- A circle's standing (label, rank, totals) is recomputed when it is missing, stale (the same events,
  plus `goal.achieved`), when time alone changes it (`valid_until`: the next cycle to finish, the next
  day), and by the worker at least every STANDING_MAX_AGE (feedback, pulses, ladder steps and help
  answers send no event).

Every unit does a bounded batch and isolates failures (a circle that fails is logged and skipped; the
next pass tries again), so a bad row never stops the rest.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.utils import timezone

from peerpact.checkins.models import Blackout, Checkin, Cycle
from peerpact.circles.models import SEATED, Circle, CircleStatus, Membership
from peerpact.communities.models import Community
from peerpact.engagement import health as engagement_health
from peerpact.insights import selectors
from peerpact.insights.models import CircleStanding, CycleSummary, SummaryState
from peerpact.notifications.events import Event

logger = logging.getLogger(__name__)

BATCH = 500  # cycles per pass; circles per pass for standings
STANDING_MAX_AGE = timedelta(minutes=10)
PERIODS = (4, 12, 26, 52)  # the dashboard's period choices (insights.forms.PERIODS)


# --- Cycle summaries -----------------------------------------------------------------------------


def cycle_summaries_write(*, cycle_ids: Collection[int], now: datetime) -> int:
    """Count some finished cycles live and store the result (insert or replace). Returns rows written."""
    if not cycle_ids:
        return 0
    counts = selectors.cycle_counts_for(cycle_ids=cycle_ids)
    cycles = {c.pk: c for c in Cycle.objects.filter(pk__in=list(counts)).select_related("circle")}
    blackouts: dict[int, list[Blackout]] = defaultdict(list)
    for blackout in Blackout.objects.filter(circle_id__in={c.circle_id for c in cycles.values()}):
        blackouts[blackout.circle_id].append(blackout)
    rows = []
    for cycle_id, count in counts.items():
        cycle = cycles[cycle_id]
        day = cycle.deadline_at.astimezone(ZoneInfo(cycle.circle.timezone)).date()
        rows.append(
            CycleSummary(
                cycle_id=cycle_id,
                circle_id=cycle.circle_id,
                deadline_at=cycle.deadline_at,
                deadline_on=day,
                grace_until=cycle.grace_until,
                closes_at=cycle.closes_at,
                on_time=count.on_time,
                late=count.late,
                missed=count.missed,
                excused=count.excused,
                blacked_out=any(b.covers(day) for b in blackouts[cycle.circle_id]),
                is_final=cycle.closes_at <= now,
                is_stale=False,
                computed_at=now,
            )
        )
    # An upsert: two workers (or a worker and a page) counting the same cycle both write the same row.
    CycleSummary.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["cycle"], update_fields=_SUMMARY_FIELDS
    )
    summaries_changed(community_ids={cycle.circle.community_id for cycle in cycles.values()})
    return len(rows)


def summaries_changed(*, community_ids: Collection[int]) -> None:
    """A new version for these communities: what the dashboard cached from their summaries is old."""
    if community_ids:
        version = uuid.uuid4()
        SummaryState.objects.bulk_create(
            [SummaryState(community_id=pk, version=version) for pk in sorted(community_ids)],
            update_conflicts=True,
            unique_fields=["community"],
            update_fields=["version"],
        )


def summaries_caught_up(*, now: datetime) -> None:
    """Record that every cycle finished by `now` (ids up to the highest now) has a valid summary, so the
    page only looks at cycles finished or created since, and at summaries marked stale."""
    upto = Cycle.objects.aggregate(n=Max("pk"))["n"] or 0
    # Grace periods are not indexed; this reads the cycles still running (a few per circle), not history.
    running = Cycle.objects.filter(closes_at__gt=now, grace_until__gt=now)
    next_due = running.aggregate(n=Min("grace_until"))["n"]
    existing = SummaryState.objects.values("community_id")
    missing = Community.objects.exclude(pk__in=existing).values_list("pk", flat=True)
    SummaryState.objects.bulk_create([SummaryState(community_id=pk) for pk in missing], ignore_conflicts=True)
    SummaryState.objects.update(caught_up_at=now, cycles_upto=upto, next_due_at=next_due)


_SUMMARY_FIELDS = [
    "circle",
    "deadline_at",
    "deadline_on",
    "grace_until",
    "closes_at",
    "on_time",
    "late",
    "missed",
    "excused",
    "blacked_out",
    "is_final",
    "is_stale",
    "computed_at",
]
_STANDING_FIELDS = [
    "label",
    "label_order",
    "rate_sort",
    "sort_name",
    "members",
    "shared",
    "goals_achieved",
    "goals_on_track",
    "goals_behind",
    "help_open",
    *(f"reciprocal_{weeks}" for weeks in (4, 12, 26, 52)),
    "computed_at",
    "valid_until",
    "is_stale",
]


def _summaries_mark_changed(now: datetime) -> None:
    """Mark stale what changed without an event: a cycle that closed after it was counted, an
    unclosed one counted long ago (a pause starting today), blackouts added or removed."""
    CycleSummary.objects.filter(is_final=False, is_stale=False).filter(
        Q(closes_at__lte=now) | Q(computed_at__lt=now - STANDING_MAX_AGE)
    ).update(is_stale=True)
    covered = Q(
        circle__blackouts__starts_on__lte=F("deadline_on"), circle__blackouts__ends_on__gte=F("deadline_on")
    )
    newly = CycleSummary.objects.filter(covered, blacked_out=False, is_stale=False).values("pk")
    CycleSummary.objects.filter(pk__in=newly).update(is_stale=True)
    still = CycleSummary.objects.filter(covered, blacked_out=True).values("pk")
    CycleSummary.objects.filter(blacked_out=True, is_stale=False).exclude(pk__in=still).update(is_stale=True)


def cycles_needing_summary(
    *, now: datetime, circle_ids: Any = None, state: SummaryState | None = None
) -> list[int]:
    """Finished cycles (not of archived circles) without a valid summary: none, stale, or times moved.

    With the community's `state` (the worker caught up), only cycles finished or created since it did
    and summaries marked stale are looked at: a few rows per circle at most, not the whole history.
    Times moved since then come with an event (`rhythm.changed`) that marks the summaries stale."""
    found = Cycle.objects.filter(grace_until__lte=now).exclude(circle__status=CircleStatus.ARCHIVED)
    if circle_ids is not None:
        found = found.filter(circle_id__in=circle_ids)
    invalid = Q(insights_summary__isnull=True) | Q(insights_summary__is_stale=True)
    invalid |= ~Q(insights_summary__grace_until=F("grace_until"))
    invalid |= ~Q(insights_summary__closes_at=F("closes_at"))
    if state is None or state.caught_up_at is None:
        return list(found.filter(invalid).order_by("grace_until", "pk").values_list("pk", flat=True))
    since = Q(pk__gt=state.cycles_upto)
    if state.next_due_at is not None and state.next_due_at <= now:
        # Some grace period has ended since: closes_at is indexed and never before grace_until, so this
        # reads the cycles still open for late updates (a few per circle), not the history.
        since |= Q(closes_at__gt=state.caught_up_at, grace_until__gt=state.caught_up_at)
    # As a list of ids first, so the database starts from these few rows rather than the circles'.
    recent_ids = Cycle.objects.filter(since).values("pk")
    recent = found.filter(pk__in=recent_ids).filter(invalid).order_by().values_list("pk", flat=True)
    marked = CycleSummary.objects.filter(is_stale=True).values("cycle_id")
    stale = found.filter(pk__in=marked).order_by().values_list("pk", flat=True)
    return sorted(set(recent.union(stale).order_by()))


def cycle_summaries_update(*, now: datetime, batch: int = BATCH) -> bool:
    """Worker unit: summarize finished cycles that have no valid summary yet. True if it wrote any."""
    _summaries_mark_changed(now)
    due = cycles_needing_summary(now=now)
    if not due:
        summaries_caught_up(now=now)
        return False
    caught_up = len(due) <= batch
    due = due[:batch]
    by_circle: dict[int, list[int]] = defaultdict(list)
    for cycle_id, circle_id in Cycle.objects.filter(pk__in=due).values_list("pk", "circle_id"):
        by_circle[circle_id].append(cycle_id)
    written = 0
    # In chunks of circles so one failing circle is isolated without a query per circle.
    circle_ids = sorted(by_circle)
    for start in range(0, len(circle_ids), 50):
        chunk = circle_ids[start : start + 50]
        ids = [cycle_id for circle_id in chunk for cycle_id in by_circle[circle_id]]
        try:
            written += cycle_summaries_write(cycle_ids=ids, now=now)
        except Exception:
            for circle_id in chunk:  # find the bad one; the others go on
                try:
                    written += cycle_summaries_write(cycle_ids=by_circle[circle_id], now=now)
                except Exception:
                    caught_up = False
                    logger.exception("insights: summarizing the cycles of circle %s failed", circle_id)
    if caught_up:
        summaries_caught_up(now=now)
    return written > 0


# --- Circle standings ----------------------------------------------------------------------------


def _valid_until(circle_ids: Collection[int], now: datetime) -> dict[int, datetime]:
    """When time alone changes each circle's standing: its next cycle to finish, or the next day
    (goal standings and the periods move with the date)."""
    tomorrow = timezone.make_aware(datetime.combine(timezone.localdate(now) + timedelta(days=1), time.min))
    until = dict.fromkeys(circle_ids, tomorrow)
    rows = (
        Cycle.objects.filter(circle_id__in=list(circle_ids), grace_until__gt=now)
        .order_by("circle_id", "grace_until")
        .values_list("circle_id", "grace_until")
    )
    seen: set[int] = set()
    for circle_id, grace_until in rows:
        if circle_id not in seen:
            seen.add(circle_id)
            until[circle_id] = min(until[circle_id], grace_until)
    return until


def circle_standings_write(*, community: Community, circle_ids: Collection[int], now: datetime) -> int:
    """Compute some circles' figures live (the dashboard's own code) and store their standings."""
    if not circle_ids:
        return 0
    board = selectors.dashboard(
        community=community,
        filters=selectors.Filters(weeks=52),
        now=now,
        only=circle_ids,
        reciprocity_weeks=PERIODS,
    )
    until = _valid_until([f.circle.pk for f in board.circles], now)
    shared = _shared_seats([f.circle.pk for f in board.circles])
    rows = []
    for figure in board.circles:
        pk = figure.circle.pk
        rate = figure.health.rate_recent
        rows.append(
            CircleStanding(
                circle_id=pk,
                label=figure.health.label,
                label_order=engagement_health.LABEL_ORDER[figure.health.label],
                rate_sort=rate if rate is not None else 2.0,
                sort_name=figure.circle.name.casefold()[:200],
                members=figure.members,
                shared=shared.get(pk, 0),
                goals_achieved=figure.goals.achieved,
                goals_on_track=figure.goals.on_track,
                goals_behind=figure.goals.behind,
                help_open=figure.help_open,
                **{f"reciprocal_{w}": board.reciprocal_by_weeks[w].get(pk, 0) for w in PERIODS},
                computed_at=now,
                valid_until=until[pk],
                is_stale=False,
            )
        )
    CircleStanding.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["circle"], update_fields=_STANDING_FIELDS
    )
    return len(rows)


def other_seat() -> Exists:
    """For a Membership queryset: the member is also seated in another circle, not archived, of the
    same community."""
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef("user_id"),
            status__in=SEATED,
            circle__community_id=OuterRef("circle__community_id"),
        )
        .exclude(circle_id=OuterRef("circle_id"))
        .exclude(circle__status=CircleStatus.ARCHIVED)
    )


def _shared_seats(circle_ids: Collection[int]) -> dict[int, int]:
    """Per circle: its seated members who are seated in another circle of the community too."""
    rows = (
        Membership.objects.filter(circle_id__in=list(circle_ids), status__in=SEATED)
        .filter(other_seat())
        .values("circle_id")
        .annotate(n=Count("pk"))
        .values_list("circle_id", "n")
    )
    return dict(rows)


def circles_needing_standing(
    *,
    now: datetime,
    circles: Any = None,  # ids or a Circle queryset; None: every circle
    max_age: timedelta | None = None,
) -> dict[int, list[int]]:
    """Community id -> circles (not archived) whose standing is missing, stale or expired; with
    `max_age`, also those computed longer ago than that."""
    found = Circle.objects.exclude(status=CircleStatus.ARCHIVED)
    if circles is not None:
        found = found.filter(pk__in=circles)
    invalid = Q(insights_standing__isnull=True) | Q(insights_standing__is_stale=True)
    invalid |= Q(insights_standing__valid_until__lte=now)
    if max_age is not None:
        invalid |= Q(insights_standing__computed_at__lt=now - max_age)
    grouped: dict[int, list[int]] = defaultdict(list)
    for pk, community_id in found.filter(invalid).order_by("pk").values_list("pk", "community_id"):
        grouped[community_id].append(pk)
    return grouped


def circle_standings_refresh(*, now: datetime, batch: int = BATCH) -> bool:
    """Worker unit: recompute standings that are missing, stale, about to expire or older than
    STANDING_MAX_AGE, a batch per pass, community by community. True if it refreshed any."""
    due = circles_needing_standing(now=now + timedelta(minutes=1), max_age=STANDING_MAX_AGE)
    refreshed = 0
    communities = Community.objects.in_bulk(list(due))
    for community_id, circle_ids in due.items():
        if refreshed >= batch:
            break
        try:
            with transaction.atomic():
                refreshed += circle_standings_write(
                    community=communities[community_id], circle_ids=circle_ids[: batch - refreshed], now=now
                )
        except Exception:
            logger.exception("insights: standings of community %s failed", community_id)
    return refreshed > 0


# --- Events --------------------------------------------------------------------------------------


# Events that change a circle's standing (its rank, label, totals) but no cycle's counts.
STANDING_EVENTS = frozenset(
    {
        "goal.achieved",
        "comment.added",
        "feedback.given",
        "help.resolved",
        "help.reopened",
        "pulse.opened",
        "pulse.answered",
        "reengagement.opened",
        "reengagement.stepped",
        "reengagement.resolved",
    }
)
# Events that change the counts of the circle's cycles too (who was expected when).
HISTORY_EVENTS = frozenset(
    {"member.joined", "member.left", "blackout.changed", "pause.changed", "rhythm.changed"}
)
# Events that change which circles share members, hence other circles' standings (`shared`).
SEAT_EVENTS = frozenset({"member.joined", "member.left", "circle.created", "circle.updated"})


def _circle_id(subject: Any) -> int | None:
    """The circle an event's subject belongs to: a circle, or anything that hangs on one through a
    membership or a check-in (a comment, feedback, a help resolution, a pulse, a pause, a case)."""
    if isinstance(subject, Circle):
        return subject.pk
    for path in ("circle_id", "membership.circle_id", "checkin.membership.circle_id"):
        value: Any = subject
        for name in path.split("."):
            value = getattr(value, name, None)
            if value is None:
                break
        if value is not None:
            return int(value)
    return None


def on_event(event: Event) -> None:
    """Mark what an event changes stale, so the next read (or worker pass) counts it again."""
    if event.type == "checkin.submitted" and isinstance(event.subject, Checkin):
        checkin = event.subject
        if CycleSummary.objects.filter(cycle_id=checkin.cycle_id).update(is_stale=True):
            summaries_changed(community_ids=[event.community_id])
        CircleStanding.objects.filter(circle_id=checkin.cycle.circle_id).update(is_stale=True)
        return
    if event.type not in STANDING_EVENTS | HISTORY_EVENTS | SEAT_EVENTS:
        return
    circle_id = _circle_id(event.subject)
    if circle_id is None:
        return
    if event.type in HISTORY_EVENTS:
        CycleSummary.objects.filter(circle_id=circle_id).update(is_stale=True)
    if event.type in HISTORY_EVENTS or event.type in ("circle.created", "circle.updated"):
        summaries_changed(community_ids=[event.community_id])
    stale = Q(circle_id=circle_id)
    if event.type in SEAT_EVENTS:
        # The member's (a circle's members') other circles: their `shared` counts may have changed.
        user_id = getattr(event.subject, "user_id", None)
        if user_id is None:
            user_id__in = Membership.objects.filter(circle_id=circle_id).values("user_id")
            people = Membership.objects.filter(user_id__in=user_id__in)
        else:
            people = Membership.objects.filter(user_id=user_id)
        stale |= Q(circle__in=people.values("circle_id"))
    CircleStanding.objects.filter(stale).update(is_stale=True)


# --- On demand (the dashboard, the management command) -------------------------------------------


def fill(*, now: datetime, circles: Collection[int] | None = None) -> tuple[int, int]:
    """Bring summaries and standings up to date now (for some circles, or all). Returns the number of
    cycle summaries and standings written."""
    cycles = cycles_needing_summary(now=now, circle_ids=circles)
    written = 0
    for start in range(0, len(cycles), BATCH):
        written += cycle_summaries_write(cycle_ids=cycles[start : start + BATCH], now=now)
    if circles is None:
        summaries_caught_up(now=now)
    standings = 0
    due = circles_needing_standing(now=now, circles=circles)
    communities = Community.objects.in_bulk(list(due))
    for community_id, circle_ids in due.items():
        for start in range(0, len(circle_ids), BATCH):
            standings += circle_standings_write(
                community=communities[community_id], circle_ids=circle_ids[start : start + BATCH], now=now
            )
    return written, standings
