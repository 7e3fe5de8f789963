"""The cohort insights CSV streams learners in batches and says exactly what the insights page says."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from peerpact.communities.models import CommunityMembership
from peerpact.lib.csv import csv_lines
from peerpact.programs import selectors
from peerpact.programs.models import Cohort
from peerpact.programs.tests.conftest import START

pytestmark = pytest.mark.django_db


def expected_csv(cohort: Cohort, now) -> bytes:
    """The CSV as the view wrote it before it streamed: from cohort_insights(), the page's figures."""
    data = selectors.cohort_insights(cohort=cohort, now=now)
    viewed = set(cohort.enrollments.filter(views__isnull=False).values_list("pk", "views__module_id"))

    def number(value):
        return "" if value is None else f"{value:g}"

    rows = [
        [
            learner.enrollment.user.display_name or learner.enrollment.user.email,
            learner.enrollment.circle.name if learner.enrollment.circle else "",
            learner.enrollment.state,
            f"{figures.module.position}. {figures.module.title}",
            learner.statuses[figures.module.pk],
            "yes" if (learner.enrollment.pk, figures.module.pk) in viewed else "no",
            learner.reviews_done,
            learner.reviews_received,
            learner.applied.get(figures.module.pk, ""),
            learner.risk,
            number(learner.calibration_by_module.get(figures.module.pk)),
            number(learner.calibration_difference),
        ]
        for learner in data.learners
        for figures in data.modules
    ]
    header = ["learner", "huddle", "enrollment", "module", "status", "viewed", "reviews_done"]
    header += ["reviews_received", "applied", "risk", "calibration_difference"]
    header += ["calibration_difference_all_modules"]
    return "".join(csv_lines(header=header, rows=rows)).encode()


@pytest.fixture
def demo(clock):
    """The demo community: a cohort with views, on-time, late and missing submissions, reviews,
    follow-ups and calibration attempts."""
    call_command("seed_demo", stdout=io.StringIO())
    clock.move_to(START + timedelta(days=30))
    return Cohort.objects.select_related("program__community").get()


def test_the_streamed_csv_is_byte_for_byte_the_pages_figures_in_batches_of_few_queries(
    client, demo, monkeypatch
):
    from django.utils import timezone

    owner = CommunityMembership.objects.filter(community=demo.program.community, role="owner").first()
    client.force_login(owner.user)
    url = reverse(
        "programs:insights-csv", kwargs={"community": demo.program.community.slug, "cohort": demo.pk}
    )
    expected = expected_csv(demo, timezone.now())
    assert expected.count(b"\r\n") > 12  # a learner x module grid, not just a header
    for batch_rows in (1, 5, 2000):  # a learner per batch, a few, all at once
        monkeypatch.setattr(selectors, "CSV_BATCH_ROWS", batch_rows)
        assert b"".join(client.get(url).streaming_content) == expected

    modules = list(demo.program.modules.all())
    learners = demo.enrollments.exclude(state="dropped").count()
    assert learners >= 4

    def queries(batch_rows: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = list(
                selectors.cohort_learners_streamed(
                    cohort=demo, now=timezone.now(), modules=modules, batch_rows=batch_rows
                )
            )
        assert len(rows) == learners
        return len(captured)

    one_batch = queries(len(modules) * learners)
    two_batches = queries(len(modules) * ((learners + 1) // 2))
    per_batch = two_batches - one_batch
    assert per_batch == 6  # views, submissions, reviews done, reviews received, follow-ups, calibration
    assert queries(len(modules)) == one_batch + per_batch * (learners - 1)  # one learner per batch
