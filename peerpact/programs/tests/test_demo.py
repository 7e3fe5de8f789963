from __future__ import annotations

import pytest

from peerpact.circles.models import Circle
from peerpact.programs import demo, selectors
from peerpact.programs.models import Cohort, Program, ReviewAssignment
from peerpact.programs.tests.conftest import START

pytestmark = pytest.mark.django_db


def test_the_demo_cohort_shows_every_stage_and_the_implementation_gap():
    from peerpact.insights.demo import seed_demo

    community, _created = seed_demo()
    circles = list(Circle.objects.filter(community=community).order_by("pk"))
    demo.seed(circles=circles, now=START)
    cohort = Cohort.objects.get(program__community=community)
    data = selectors.cohort_insights(cohort=cohort, now=START)
    first, second, third = data.modules
    assert first.is_due and second.is_due and not third.is_due
    assert (first.enrolled, first.viewed, first.submitted, first.viewed_no_action) == (12, 11, 9, 2)
    assert first.reviews_done == first.reviews_assigned == 18
    assert (first.applied_yes, first.applied_partly, first.applied_no) == (3, 2, 2)
    assert first.median_hours_to_feedback is not None and first.helpful_average is not None
    assert (first.calibration, first.calibrated, second.calibration) == ("on", 9, "off")
    assert first.calibration_mean_difference is not None
    assert 0 < second.reviews_done < second.reviews_assigned
    assert third.submitted == 0
    bob = cohort.enrollments.get(user__email="bob@example.com").user
    assert ReviewAssignment.objects.filter(
        reviewer=bob, submission__module=second.module, completed_at=None
    ).exists()
    feedback = selectors.feedback_for(cohort=cohort, module=first.module, user=bob)
    assert len(feedback.reviews) == 2 and all(row.median for row in feedback.criteria)
    demo.seed(circles=circles, now=START)  # a second run adds nothing
    assert Program.objects.filter(community=community).count() == 1
