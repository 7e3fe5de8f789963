from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, RhythmSpec
from peerpact.circles.models import Membership

# Monday 2026-01-05 09:00 UTC. The circle's zone is Europe/Madrid (UTC+1 in winter): cycle k is due
# Friday 18:00 Madrid = 17:00 UTC, from 9 January on, with a 24 h grace period.
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FIRST_DEADLINE = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


def deadline(k: int) -> datetime:
    return FIRST_DEADLINE + timedelta(weeks=k - 1)


def grace_end(k: int) -> datetime:
    return deadline(k) + timedelta(hours=24)


@pytest.fixture(autouse=True)
def clock():
    """Frozen at START before any other fixture runs, so people join at START."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def weekly(circle, alice, clock):
    """`circle` on Europe/Madrid time with updates due every Friday 18:00 and a 24 h grace period."""
    from peerpact.circles import services as circle_services

    circle_services.circle_update(circle=circle, actor=alice, timezone="Europe/Madrid")
    circle.refresh_from_db()
    checkin_services.rhythm_set(
        circle=circle,
        actor=alice,
        spec=RhythmSpec(
            preset="weekly", weekdays=["FR"], deadline_time=time(18, 0), starts_on=date(2026, 1, 1)
        ),
    )
    return circle


def check_in(circle, user, k: int) -> None:
    """`user` submits cycle k's update an hour before its deadline."""
    now = deadline(k) - timedelta(hours=1)
    checkin_services.cycles_ensure(circle=circle, now=now)
    checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=user),
        cycle=Cycle.objects.get(circle=circle, index=k),
        actor=user,
        answers=CheckinAnswers(wins="steady"),
        expected_version=None,
        now=now,
    )
