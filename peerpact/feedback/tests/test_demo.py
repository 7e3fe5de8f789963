from __future__ import annotations

import pytest
from django.utils import timezone

from peerpact.feedback import demo, selectors
from peerpact.feedback.models import Comment, Feedback, HelpOffer, HelpResolution, Kudos

pytestmark = pytest.mark.django_db


def test_the_demo_seed_fills_a_circle_with_feedback_and_help(alice_checkin, bob_checkin, mia, weekly):
    demo.seed(circles=[weekly], now=timezone.now())
    weekly.refresh_from_db()
    assert weekly.allow_anonymous_feedback
    assert Comment.objects.exists() and Kudos.objects.exists() and HelpOffer.objects.exists()
    assert Feedback.objects.filter(anonymous=True).count() == 1
    assert HelpResolution.objects.count() == 1
    open_requests = selectors.open_help_requests(circle=weekly)
    assert len(open_requests) == 1 and open_requests[0].offers >= 1
