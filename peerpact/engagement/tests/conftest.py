from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import START  # noqa: F401 (imported by the tests from here)
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles.models import Membership

# The weekly circle (root conftest): cycle k is due Friday 18:00 Madrid = 17:00 UTC from 9 January.
FIRST_DEADLINE = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


def deadline(k: int) -> datetime:
    return FIRST_DEADLINE + timedelta(weeks=k - 1)


def grace_end(k: int) -> datetime:
    return deadline(k) + timedelta(hours=24)


@pytest.fixture(autouse=True)
def frozen_clock(clock):
    """Every test here starts with the clock frozen at START (root conftest), before other fixtures."""
    return clock


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
