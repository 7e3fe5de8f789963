from __future__ import annotations

import pytest

from peerpact.checkins.models import Cycle
from peerpact.circles.models import Circle
from peerpact.notifications.models import Message
from peerpact.roles import demo
from peerpact.roles.models import CycleSummary, RoleAssignment, SwapRequest
from peerpact.roles.tests.conftest import START

pytestmark = pytest.mark.django_db


def test_demo_seed_gives_every_cycle_roles_a_summary_and_a_swap():
    from peerpact.insights.demo import seed_demo

    community, _created = seed_demo()
    circles = list(Circle.objects.filter(community=community).order_by("pk"))
    demo.seed(circles=circles, now=START)
    for circle in circles:
        opened = Cycle.objects.filter(circle=circle, opens_at__lte=START)
        assert opened.exists()
        for cycle in opened:
            assert RoleAssignment.objects.filter(cycle=cycle).count() == 3, (circle, cycle.index)
        last = opened.filter(deadline_at__lt=START).order_by("-index").first()
        summary = CycleSummary.objects.get(cycle__circle=circle)
        assert summary.cycle == last and summary.is_published and "From the review session" in summary.text
    assert SwapRequest.objects.filter(state="pending").count() == 1
    assert Message.objects.filter(kind="role.duty").exists()
    before = RoleAssignment.objects.count()
    demo.seed(circles=circles, now=START)  # a second run adds nothing
    assert RoleAssignment.objects.count() == before and SwapRequest.objects.count() == 1
