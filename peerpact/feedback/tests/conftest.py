from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from conftest import (
    START,  # noqa: F401 (imported by the tests from here)
    seat,
)
from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins import services as checkin_services
from peerpact.checkins.services import CheckinAnswers


@pytest.fixture(autouse=True)
def frozen_clock(clock):
    """Every test here starts with the clock frozen at START (root conftest), before other fixtures."""
    return clock


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
