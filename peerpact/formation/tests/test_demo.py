"""The demo intake: 60 applicants, closed, with a proposal an organizer can read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from peerpact.formation import demo
from peerpact.formation.models import Intake, IntakeStatus, RunStatus
from peerpact.formation.selectors import proposal_summary

NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_demo_intake_has_a_proposal_for_all_sixty(circle: Any, settings: Any) -> None:
    settings.FORMATION_MAX_EVALUATIONS = None
    demo.seed(circles=[circle], now=NOW)
    intake = Intake.objects.get(community=circle.community)
    assert intake.status == IntakeStatus.CLOSED
    assert intake.applications.active().count() == demo.POOL_SIZE
    assert intake.runs.get().status == RunStatus.DONE
    summary = proposal_summary(intake, now=NOW, viewer_zone="Europe/Madrid")
    assert summary.unplaced == []
    assert sum(len(c.members) for c in summary.circles) == demo.POOL_SIZE
    assert all(4 <= len(c.members) <= 6 for c in summary.circles)
    assert summary.violation_count == 0
    assert all(c.sentence and c.common_hours >= 2 for c in summary.circles)
    assert any(c.with_kept for c in summary.circles)  # the friends who asked to be together
    demo.seed(circles=[circle], now=NOW)  # a second run adds nothing
    assert Intake.objects.filter(community=circle.community).count() == 1
