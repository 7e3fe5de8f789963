"""Writes that change a circle's standing send an event, so the dashboard shows them at once, without
waiting for the worker's 10-minute recount: each marks the circle's standing (and, where the history
changes, its cycle summaries) stale, and the page then shows exactly what the live computation shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.circles import services as circle_services
from peerpact.circles.models import SEATED, Circle, Membership, MembershipStatus
from peerpact.engagement.models import ReengagementCase
from peerpact.engagement.services import ladder, pulses
from peerpact.feedback import services as feedback_services
from peerpact.insights import board, selectors, summaries
from peerpact.insights.models import CircleStanding, CycleSummary
from peerpact.insights.selectors import Filters
from peerpact.insights.tests.test_dashboard_queries import build
from peerpact.insights.tests.test_summaries import assert_matches_live

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(community):
    build(community, circles=6, members=4, tag="f")
    summaries.fill(now=timezone.now())  # the worker's steady state: nothing stale, nothing missing
    board.board(community=community, filters=Filters(), now=timezone.now())  # and the page's cache warm
    return community


def standing(circle_id: int) -> CircleStanding:
    return CircleStanding.objects.get(circle_id=circle_id)


def totals(community):
    return board.board(community=community, filters=Filters(), now=timezone.now()).summary


def peer_checkin() -> tuple[Checkin, Membership]:
    """A submitted check-in of the latest finished cycle and another member of its circle."""
    checkin = Checkin.objects.filter(submitted_at__isnull=False).order_by("-cycle__index", "pk").first()
    peer = Membership.objects.filter(circle_id=checkin.membership.circle_id).exclude(pk=checkin.membership_id)
    return checkin, peer.order_by("pk").first()


def test_a_comment_and_feedback_mark_the_standing_stale_and_count_at_once(data):
    checkin, peer = peer_checkin()
    circle_id = checkin.membership.circle_id
    feedback_services.comment_add(checkin=checkin, actor=peer.user, body="Well done")
    assert standing(circle_id).is_stale
    assert_matches_live(data, Filters())
    assert not standing(circle_id).is_stale
    feedback_services.feedback_give(checkin=checkin, actor=peer.user, worked="the plan")
    assert standing(circle_id).is_stale
    assert_matches_live(data, Filters(weeks=4))


def test_a_help_request_resolved_and_reopened_changes_the_open_count_at_once(data):
    before = totals(data).help_open
    cycle = Cycle.objects.filter(grace_until__lte=timezone.now()).order_by("-index", "pk").first()
    checkin = Checkin.objects.filter(cycle__circle_id=cycle.circle_id, cycle__index=cycle.index)
    checkin = checkin.exclude(help_request="").order_by("pk").first()
    assert checkin is not None
    feedback_services.help_resolve(checkin=checkin, actor=checkin.membership.user)
    assert standing(cycle.circle_id).is_stale
    assert totals(data).help_open == before - 1
    assert_matches_live(data, Filters())
    feedback_services.help_reopen(checkin=checkin, actor=checkin.membership.user)
    assert standing(cycle.circle_id).is_stale
    assert totals(data).help_open == before


def test_a_pulse_opened_and_answered_marks_the_standing_stale(data):
    now = timezone.now()
    cycle = Cycle.objects.filter(deadline_at__lte=now).order_by("-index", "pk").first()
    circle = Circle.objects.get(pk=cycle.circle_id)
    pulse = pulses.pulse_open(circle=circle, cycle=cycle, now=now)
    assert pulse is not None and standing(circle.pk).is_stale
    assert_matches_live(data, Filters())
    pulse.closes_at = now + timedelta(days=1)
    pulse.save(update_fields=["closes_at"])
    seat = Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE).order_by("pk").first()
    pulses.pulse_answer(
        pulse=pulse,
        membership=seat,
        actor=seat.user,
        scores={"safe": 1, "checkins": 1, "feedback": 1, "rhythm": 1},
    )
    assert standing(circle.pk).is_stale
    assert_matches_live(data, Filters())


def test_a_ladder_case_resolved_marks_the_standing_stale(data):
    case = ReengagementCase.objects.open().select_related("membership").order_by("pk").first()
    before = board.board(community=data, filters=Filters(), now=timezone.now()).needs_members_total
    assert ladder.case_resolve(case=case, resolution="returned", now=timezone.now())
    assert standing(case.membership.circle_id).is_stale
    assert (
        board.board(community=data, filters=Filters(), now=timezone.now()).needs_members_total == before - 1
    )
    assert_matches_live(data, Filters())


def test_a_blackout_for_past_dates_is_counted_at_once_without_the_worker(data, otto):
    summary = CycleSummary.objects.filter(blacked_out=False, missed__gt=0).order_by("pk").first()
    circle = Circle.objects.get(pk=summary.circle_id)
    missed = totals(data).counts.missed
    blackout = checkin_services.blackout_add(
        circle=circle, actor=otto, starts_on=summary.deadline_on, ends_on=summary.deadline_on
    )
    assert CycleSummary.objects.get(pk=summary.pk).is_stale and standing(circle.pk).is_stale
    assert totals(data).counts.missed == missed - summary.missed  # no worker pass in between
    assert_matches_live(data, Filters())
    checkin_services.blackout_remove(blackout=blackout, actor=otto)
    assert CycleSummary.objects.get(pk=summary.pk).is_stale
    assert totals(data).counts.missed == missed


def test_a_pause_started_and_resumed_marks_the_circle_stale(data):
    seat = (
        Membership.objects.filter(status=MembershipStatus.ACTIVE, pauses__isnull=True).order_by("pk").first()
    )
    checkin_services.pause_start(membership=seat, actor=seat.user, starts_on=timezone.localdate())
    assert standing(seat.circle_id).is_stale
    assert not CycleSummary.objects.filter(circle_id=seat.circle_id, is_stale=False).exists()
    assert_matches_live(data, Filters())
    checkin_services.pause_resume(membership=seat, actor=seat.user)
    assert standing(seat.circle_id).is_stale
    assert_matches_live(data, Filters())


def test_a_renamed_circle_moves_in_the_order_at_once(data, otto):
    circle = Circle.objects.filter(community=data).order_by("-name").first()
    Circle.objects.filter(pk=circle.pk).update(created_by=otto)  # bulk-built circles have no creator
    circle.refresh_from_db()
    circle_services.circle_update(circle=circle, actor=otto, name="AAA first by name")
    assert standing(circle.pk).is_stale
    assert_matches_live(data, Filters())  # the same order as the live computation, by the new name


def test_people_seated_in_several_circles_are_counted_once(data, otto):
    first, second = Circle.objects.filter(community=data).order_by("pk")[:2]
    member = Membership.objects.filter(circle=first, status__in=SEATED).order_by("pk").first()
    people = totals(data).people
    Membership.objects.create(circle=second, user=member.user, status=MembershipStatus.INVITED)
    circle_services.membership_accept_invitation(circle=second, user=member.user, charter_accepted=True)
    assert standing(first.pk).is_stale and standing(second.pk).is_stale  # both circles' `shared`
    found, live = totals(data), selectors.dashboard(community=data, filters=Filters(), now=timezone.now())
    assert (found.people, found.seats) == (people, live.summary.seats) == (live.summary.people, people + 1)
    assert_matches_live(data, Filters())
    # A new circle's creator is seated at once: their other circles' standings change too.
    Membership.objects.create(circle=first, user=otto, status=MembershipStatus.INVITED)
    circle_services.membership_accept_invitation(circle=first, user=otto, charter_accepted=True)
    people = totals(data).people
    created = circle_services.circle_create(community=data, creator=otto, name="Also here")
    assert standing(first.pk).is_stale
    assert totals(data).people == people
    assert CircleStanding.objects.filter(circle=created).exists()
    assert_matches_live(data, Filters())


def test_a_late_checkin_replaces_the_cached_weekly_counts(data):
    now = timezone.now()
    cycle = Cycle.objects.filter(grace_until__lte=now, closes_at__gt=now).order_by("pk").first()
    seat = (
        Membership.objects.filter(circle_id=cycle.circle_id, status=MembershipStatus.ACTIVE)
        .exclude(checkins__cycle=cycle)
        .exclude(pauses__isnull=False)
        .order_by("pk")
        .first()
    )
    late = totals(data).counts.late
    checkin_services.checkin_submit(
        membership=seat,
        cycle=cycle,
        actor=seat.user,
        answers=checkin_services.CheckinAnswers(wins="late"),
        expected_version=None,
    )
    assert totals(data).counts.late == late + 1
    assert_matches_live(data, Filters())
