from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from conftest import seat
from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins import services as checkin_services
from peerpact.checkins.services import CheckinAnswers, RhythmSpec

# Monday 2026-01-05 09:00 UTC. The circle's zone is Europe/Madrid (UTC+1 in winter).
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    """Frozen at START before any other fixture runs, so people join at START."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def weekly(circle, alice, clock):
    """`circle` with updates due every Friday 18:00 (Europe/Madrid) and a 24 h grace period."""
    from peerpact.circles import services as circle_services

    circle_services.circle_update(circle=circle, actor=alice, timezone="Europe/Madrid")
    circle.refresh_from_db()
    checkin_services.rhythm_set(
        circle=circle,
        actor=alice,
        spec=RhythmSpec(
            preset="weekly",
            weekdays=["FR"],
            deadline_time=time(18, 0),
            starts_on=date(2026, 1, 1),
            grace_hours=24,
        ),
    )
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    return circle


@pytest.fixture
def mia(make_user, weekly, alice):
    """Another member of `circle` (a third peer: neither author nor receiver)."""
    user = make_user("mia@example.com", "Mia")
    seat(weekly, user, alice)
    return user


def submit(circle: Any, user: Any, **answers: Any) -> Any:
    from peerpact.circles.models import Membership

    membership = Membership.objects.get(circle=circle, user=user)
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    cycle = checkin_selectors.cycle_current(circle=circle, now=timezone.now())
    return checkin_services.checkin_submit(
        membership=membership,
        cycle=cycle,
        actor=user,
        answers=CheckinAnswers(**answers),
        expected_version=None,
    )


@pytest.fixture
def alice_checkin(weekly, alice):
    return submit(weekly, alice, wins="Finished the first draft", help_request="Who can proofread 3 pages?")


@pytest.fixture
def bob_checkin(weekly, bob):
    return submit(weekly, bob, wins="Ran 21 km this week")


@pytest.fixture
def anonymous_allowed(weekly, alice):
    from peerpact.circles import services as circle_services

    circle_services.circle_update(circle=weekly, actor=alice, allow_anonymous_feedback=True)
    weekly.refresh_from_db()
    return weekly
