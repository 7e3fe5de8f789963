from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from conftest import seat
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, RhythmSpec
from peerpact.circles.models import Membership

# Monday 2026-01-05 09:00 UTC, as in the check-in tests.
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def weekly(circle, alice):
    """`circle` with updates due every Friday 18:00; cycle 1 is open."""
    checkin_services.rhythm_set(
        circle=circle,
        actor=alice,
        spec=RhythmSpec(
            preset="weekly", weekdays=["FR"], deadline_time=time(18, 0), starts_on=date(2026, 1, 1)
        ),
    )
    checkin_services.cycles_ensure(circle=circle, now=START)
    return circle


@pytest.fixture
def carl(make_user, weekly, alice):
    """A second plain member of `circle`: a peer of bob's who is not the facilitator."""
    user = make_user("carl@example.com", "Carl")
    seat(weekly, user, alice)
    return user


@pytest.fixture
def bobs_checkin(weekly, bob):
    return checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=weekly, user=bob),
        cycle=Cycle.objects.get(circle=weekly, index=1),
        actor=bob,
        answers=CheckinAnswers(wins="Closed the Acme deal", blockers="Jo is useless", help_request="Intro?"),
        expected_version=None,
    )
