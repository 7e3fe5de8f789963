from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail

from peerpact.checkins import services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, RhythmSpec
from peerpact.circles.models import Membership
from peerpact.insights import reports
from peerpact.notifications import outbox
from peerpact.notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(circle, alice, bob):
    """`circle` (UTC) with Friday deadlines; bob checks in for the first cycle, alice misses it."""
    with time_machine.travel(datetime(2026, 1, 5, 9, 0, tzinfo=UTC), tick=False) as clock:
        Membership.objects.filter(circle=circle).update(joined_at=datetime(2026, 1, 4, tzinfo=UTC))
        services.rhythm_set(
            circle=circle,
            actor=alice,
            spec=RhythmSpec(
                weekdays=["FR"], deadline_time=time(18, 0), starts_on=date(2026, 1, 1), grace_hours=24
            ),
        )
        cycle = Cycle.objects.get(circle=circle, index=1)
        services.checkin_submit(
            membership=Membership.objects.get(circle=circle, user=bob),
            cycle=cycle,
            actor=bob,
            expected_version=None,
            answers=CheckinAnswers(wins="ok", help_request="Advice on pacing?"),
        )
        yield clock


def test_organizers_get_the_weekly_report_on_monday_morning_in_their_zone_once(week, olivia):
    # olivia is in Europe/London: Monday 12 January 08:00 GMT.
    monday = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    assert not reports.organizer_reports(now=monday - timedelta(minutes=1))
    week.move_to(monday)
    assert reports.organizer_reports(now=monday)
    assert not reports.organizer_reports(now=monday + timedelta(minutes=5))
    outbox.outbox_deliver_batch(now=monday)
    report = next(m for m in mail.outbox if "how the circles did" in m.subject)
    assert report.to == [olivia.email]
    assert "Weekly Wins (cycle 1): 1 of 2 checked in, 1 missed, 1 help request" in report.body


def test_members_do_not_get_the_report(week, bob):
    reports.organizer_reports(now=datetime(2026, 1, 12, 8, 30, tzinfo=UTC))
    assert not Message.objects.filter(recipient=bob, kind="community.report").exists()
