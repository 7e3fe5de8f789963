from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import seat
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles.models import Membership
from peerpact.safety import demo
from peerpact.safety.models import Concern, ModerationAction, Report

pytestmark = pytest.mark.django_db


def test_seed_adds_an_open_report_a_handled_one_and_an_acknowledged_concern(
    weekly, carl, bob, alice, make_user, other_circle, olivia, clock
):
    cycle = Cycle.objects.get(circle=weekly, index=1)
    for user in (bob, carl):
        checkin_services.checkin_submit(
            membership=Membership.objects.get(circle=weekly, user=user),
            cycle=cycle,
            actor=user,
            answers=CheckinAnswers(wins=f"{user.name} shipped"),
            expected_version=None,
        )
    seat(other_circle, make_user("eve@example.com", "Eve"), olivia)
    Membership.objects.filter(circle=other_circle, user__email="dave@example.com").update(role="facilitator")
    demo.seed(circles=[weekly, other_circle], now=timezone.now())
    assert sorted(Report.objects.values_list("state", flat=True)) == ["actioned", "open"]
    assert list(ModerationAction.objects.values_list("action", flat=True)) == ["hide", "restore"]
    concern = Concern.objects.get()
    assert concern.state == "acknowledged" and concern.events.count() == 2
    demo.seed(circles=[weekly, other_circle], now=timezone.now())  # idempotent
    assert Report.objects.count() == 2
