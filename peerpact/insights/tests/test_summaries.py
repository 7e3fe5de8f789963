"""The dashboard read from summaries shows exactly what the live computation shows, after the worker
has run and after whatever changes a summary: late check-ins, seat changes, blackouts added later,
a cycle's times moved, events missed. The worker units are idempotent and isolate a failing circle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Blackout, Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, Membership
from peerpact.insights import board, selectors, summaries
from peerpact.insights.models import CircleStanding, CycleSummary
from peerpact.insights.selectors import NO_TAG, Filters
from peerpact.insights.tests.test_dashboard_queries import build

pytestmark = pytest.mark.django_db


def counts(c) -> tuple[int, int, int, int]:
    return (c.on_time, c.late, c.missed, c.excused)


def assert_matches_live(community, filters: Filters) -> None:
    now = timezone.now()
    live = selectors.dashboard(community=community, filters=filters, now=now)
    pages, found = [], board.board(community=community, filters=filters, now=now)
    for number in found.page.paginator.page_range:
        pages += board.board(community=community, filters=filters, now=now, page=number).circles
    assert [f.circle.pk for f in pages] == [f.circle.pk for f in live.circles]  # the same order
    for mine, theirs in zip(pages, live.circles, strict=True):
        assert (mine.health.label, mine.members, counts(mine.period)) == (
            theirs.health.label,
            theirs.members,
            counts(theirs.period),
        )
    assert [f.circle.pk for f in found.needs_circles] == [f.circle.pk for f in live.needs_circles][:25]
    assert found.needs_total == len(live.needs_circles)
    assert found.needs_members_total == len(live.needs_members)
    assert [c.pk for c in found.needs_members] == [c.pk for c in live.needs_members][:25]
    assert [(w.starts_on, counts(w.counts)) for w in found.weeks] == [
        (w.starts_on, counts(w.counts)) for w in live.weeks
    ]
    for mine, theirs in [(found.summary, live.summary), *zip(found.pilot, live.pilot, strict=True)]:
        assert (mine.label, mine.circles, mine.active_circles, mine.seats) == (
            theirs.label,
            theirs.circles,
            theirs.active_circles,
            theirs.seats,
        )
        assert counts(mine.counts) == counts(theirs.counts)
        assert (mine.goals, mine.reciprocal, mine.help_open) == (
            theirs.goals,
            theirs.reciprocal,
            theirs.help_open,
        )
        assert mine.needing_attention == theirs.needing_attention
    assert found.summary.people == live.summary.people


@pytest.fixture
def data(community):
    build(community, circles=30, members=4, tag="s")  # pauses, blackouts, late and missed, ladder cases
    return community


@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(weeks=4), Filters(weeks=52), Filters(pilot="pilot", weeks=26), Filters(pilot=NO_TAG)],
)
def test_the_summaries_show_what_the_live_computation_shows(data, filters):
    now = timezone.now()
    assert summaries.cycle_summaries_update(now=now)
    assert summaries.circle_standings_refresh(now=now)
    assert_matches_live(data, filters)


def test_without_the_worker_the_page_fills_in_what_is_missing(data):
    assert not CycleSummary.objects.exists()
    assert_matches_live(data, Filters())
    assert CycleSummary.objects.count() == Cycle.objects.filter(grace_until__lte=timezone.now()).count()


def test_the_worker_units_are_idempotent(data):
    now = timezone.now()
    assert summaries.cycle_summaries_update(now=now)
    assert summaries.circle_standings_refresh(now=now)
    rows = list(
        CycleSummary.objects.order_by("cycle_id").values_list("cycle_id", "on_time", "late", "missed")
    )
    assert not summaries.cycle_summaries_update(now=now)
    assert not summaries.circle_standings_refresh(now=now)
    assert (
        list(CycleSummary.objects.order_by("cycle_id").values_list("cycle_id", "on_time", "late", "missed"))
        == rows
    )
    assert CircleStanding.objects.count() == Circle.objects.count()


def test_a_late_checkin_in_a_finished_cycle_is_counted_at_once(data):
    now = timezone.now()
    summaries.fill(now=now)
    cycle = Cycle.objects.filter(grace_until__lte=now, closes_at__gt=now).order_by("pk").first()
    assert cycle is not None  # finished (grace over) but still open for a late update
    seat = (
        Membership.objects.filter(circle_id=cycle.circle_id)
        .exclude(checkins__cycle=cycle)
        .exclude(pauses__isnull=False)
        .first()
    )
    before = CycleSummary.objects.get(cycle=cycle)
    checkin_services.checkin_submit(
        membership=seat,
        cycle=cycle,
        actor=seat.user,
        answers=CheckinAnswers(wins="late"),
        expected_version=None,
    )
    assert CycleSummary.objects.get(cycle=cycle).is_stale  # the event marked it
    assert_matches_live(data, Filters())
    after = CycleSummary.objects.get(cycle=cycle)
    assert (after.late, after.missed, after.is_stale) == (before.late + 1, before.missed - 1, False)


def test_a_member_leaving_changes_the_history_and_every_summary_of_the_circle(data):
    summaries.fill(now=timezone.now())
    seat = Membership.objects.filter(pauses__isnull=True).order_by("pk").first()
    circle_services.membership_leave(circle=seat.circle, user=seat.user)
    assert not CycleSummary.objects.filter(circle=seat.circle, is_stale=False).exists()
    assert_matches_live(data, Filters())


def test_a_blackout_added_for_past_dates_is_picked_up_by_the_worker(data):
    now = timezone.now()
    summaries.fill(now=now)
    summary = CycleSummary.objects.filter(blacked_out=False, missed__gt=0).order_by("pk").first()
    Blackout.objects.create(
        circle_id=summary.circle_id, starts_on=summary.deadline_on, ends_on=summary.deadline_on
    )
    assert summaries.cycle_summaries_update(now=now)
    summary.refresh_from_db()
    assert summary.blacked_out and summary.missed == 0
    summaries.circle_standings_refresh(now=now + summaries.STANDING_MAX_AGE)  # the worker's age rule
    assert_matches_live(data, Filters())


def test_a_cycle_whose_times_moved_is_not_read_from_its_old_summary(data):
    now = timezone.now()
    summaries.fill(now=now)
    cycle = Cycle.objects.filter(grace_until__lte=now, closes_at__gt=now).order_by("pk").first()
    # A rhythm change re-times the current cycle: its grace period now ends later, so it is not
    # finished any more and its counts leave the figures until it is.
    Cycle.objects.filter(pk=cycle.pk).update(
        grace_until=now + timedelta(hours=1), closes_at=now + timedelta(hours=2)
    )
    assert_matches_live(data, Filters())
    assert CycleSummary.objects.filter(cycle=cycle).exists()  # kept, recounted once the cycle finishes


def test_a_failing_circle_does_not_stop_the_others(data, monkeypatch):
    bad = Circle.objects.order_by("pk").first()
    real = selectors.cycle_counts_for

    def failing(*, cycle_ids):
        if Cycle.objects.filter(pk__in=list(cycle_ids), circle=bad).exists():
            raise RuntimeError("broken row")
        return real(cycle_ids=cycle_ids)

    monkeypatch.setattr(selectors, "cycle_counts_for", failing)
    assert summaries.cycle_summaries_update(now=timezone.now())
    assert not CycleSummary.objects.filter(circle=bad).exists()
    assert (
        CycleSummary.objects.exclude(circle=bad).count()
        == Cycle.objects.filter(grace_until__lte=timezone.now()).exclude(circle=bad).count()
    )


def test_the_command_fills_history_and_rebuilds(data, capsys):
    call_command("insights_summaries")
    finished = Cycle.objects.filter(grace_until__lte=timezone.now()).count()
    assert CycleSummary.objects.count() == finished and CircleStanding.objects.count() == 30
    CycleSummary.objects.update(on_time=0)
    call_command("insights_summaries", "--rebuild")
    assert not CycleSummary.objects.filter(on_time=0).exists()
    assert "circle standings written" in capsys.readouterr().out
