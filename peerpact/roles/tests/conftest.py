from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from peerpact.checkins import services
from peerpact.checkins.services import RhythmSpec

# Monday 2026-01-05 09:00 UTC. The circle's zone is Europe/Madrid (UTC+1 in winter).
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    """Frozen at START before any other fixture runs, so people join at START."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def weekly(circle, alice, clock):
    """`circle` on Europe/Madrid time, updates due Fridays 18:00, reviews Mondays 19:00.

    Cycle 1 opens at START (alice and bob join at that moment, so they serve from cycle 1)."""
    from peerpact.circles import services as circle_services

    circle_services.circle_update(circle=circle, actor=alice, timezone="Europe/Madrid")
    circle.refresh_from_db()
    services.rhythm_set(
        circle=circle,
        actor=alice,
        spec=RhythmSpec(
            preset="weekly",
            weekdays=["FR"],
            deadline_time=time(18, 0),
            starts_on=date(2026, 1, 1),
            grace_hours=24,
            review_weekday="MO",
            review_location="https://meet.example/wins",
        ),
    )
    return circle
