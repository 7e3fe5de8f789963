from __future__ import annotations

import pytest
from django.utils import timezone

from peerpact.circles.models import Circle
from peerpact.engagement import demo, health, selectors
from peerpact.engagement.models import Pulse, ReengagementCase
from peerpact.insights.demo import seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    """The demo is built at the real time (overrides the frozen clock of this folder's conftest)."""
    return


def test_the_demo_has_a_pulse_with_results_and_a_drifter_on_the_ladder():
    community, _created = seed_demo()
    circles = list(Circle.objects.filter(community=community).order_by("pk"))
    now = timezone.now()
    demo.seed(circles=circles, now=now)
    wins = Circle.objects.get(community=community, slug="weekly-wins")
    results = selectors.pulse_results(pulse=Pulse.objects.get(circle=wins))
    assert results.is_shown and results.count >= 3
    cases = list(ReengagementCase.objects.open().filter(membership__circle=wins, step=2))
    assert len(cases) == 1 and cases[0].peer is not None and cases[0].peer != cases[0].membership.user
    found = health.circle_health(circle=wins, now=now)
    assert found.label == "needs_attention" and cases[0] in found.cases
