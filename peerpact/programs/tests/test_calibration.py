"""Calibration rounds: leads review an example (the reference); learners review it before their peer
reviews of the module unlock, then see their scores next to the reference."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from peerpact.communities import services as community_services
from peerpact.programs import access, selectors, services
from peerpact.programs.models import CalibrationAttempt, ReviewAssignment
from peerpact.programs.tests.conftest import LEVELS, START, submit

pytestmark = pytest.mark.django_db

EXAMPLE = "I asked my colleague whether my weekly report was clear. She said the summary came too late."
WHY = "Action taken: one person, once. Reflection: names the cause, no plan yet."


@pytest.fixture
def pia(cohort, olivia, make_user):
    user = make_user("pia@example.com", "Pia")
    community_services.community_member_add(community=cohort.program.community, user=user)
    services.enrollment_add(cohort=cohort, actor=olivia, user=user, now=START)
    return user


def url(name, cohort, **kwargs):
    return reverse(name, kwargs={"community": cohort.program.community.slug, "cohort": cohort.pk, **kwargs})


def scores(module, *values):
    return dict(zip([c.pk for c in module.criteria.all()], values, strict=True))


@pytest.fixture
def calibration(cohort, module, alice):
    """On, with alice's reference review: Action taken 2, Reflection 1."""
    made = services.calibration_configure(
        cohort=cohort, module=module, actor=alice, is_on=True, example=EXAMPLE, now=START
    )
    return services.calibration_set_reference(
        calibration=made, actor=alice, scores=scores(module, 2, 1), explanation=WHY, now=START
    )


@pytest.fixture
def in_review(cohort, module, bob, pia):
    submit(cohort, module, bob, "Bob asked his manager")
    submit(cohort, module, pia, "Pia asked her team")
    services.reviews_allocate(module=module, cohort=cohort, now=START)
    return ReviewAssignment.objects.get(reviewer=bob, submission__enrollment__user=pia)


def test_peer_reviews_stay_locked_until_the_learner_has_calibrated(
    client, cohort, module, bob, calibration, in_review
):
    client.force_login(bob)
    review_url = url("programs:review", cohort, assignment_id=in_review.pk)
    response = client.get(review_url)
    assert response.status_code == 302
    assert response["Location"] == url("programs:calibration", cohort, module_id=module.pk)
    in_review.refresh_from_db()
    assert in_review.started_at is None  # a locked review is not started, so nothing is frozen
    tasks = client.get(url("programs:reviews", cohort)).content.decode()
    assert "locked until you calibrate" in tasks and review_url not in tasks
    with pytest.raises(PermissionDenied):
        services.review_submit(
            assignment=in_review, actor=bob, scores=scores(module, 2, 2), feedback="Nice", now=START
        )
    page = client.get(url("programs:module", cohort, module_id=module.pk)).content.decode()
    assert "Review the example" in page

    calibrate = client.post(
        url("programs:calibration", cohort, module_id=module.pk),
        {f"criterion_{pk}": str(value) for pk, value in scores(module, 3, 1).items()},
    )
    assert calibrate.status_code == 302
    assert client.get(review_url).status_code == 200
    services.review_submit(
        assignment=in_review, actor=bob, scores=scores(module, 2, 2), feedback="Nice", now=START
    )


def test_after_calibrating_the_learner_sees_the_reference_per_criterion(
    client, cohort, module, bob, calibration
):
    services.calibration_submit(calibration=calibration, actor=bob, scores=scores(module, 3, 1), now=START)
    client.force_login(bob)
    page = client.get(url("programs:calibration", cohort, module_id=module.pk)).content.decode()
    assert "Your scores and the reference" in page
    assert "+1 (you scored higher)" in page and "same" in page
    assert "3 · Strong" in page and "2 · Tried" in page
    assert WHY in page
    assert "0.5 points from the reference" in page
    assert "Hand in and compare" not in page  # one attempt; it cannot be redone
    with pytest.raises(ValidationError):
        services.calibration_submit(
            calibration=calibration, actor=bob, scores=scores(module, 1, 1), now=START
        )
    rows = selectors.calibration_comparison(
        calibration=calibration, attempt=CalibrationAttempt.objects.get(enrollment__user=bob)
    )
    assert [(r.mine, r.reference, r.difference) for r in rows] == [(3, 2, 1), (1, 1, 0)]


def test_without_a_reference_review_nothing_is_locked_and_leads_are_told(
    client, cohort, module, alice, bob, in_review
):
    services.calibration_configure(
        cohort=cohort, module=module, actor=alice, is_on=True, example=EXAMPLE, now=START
    )
    assert not access.must_calibrate(bob, cohort, module)
    client.force_login(bob)
    assert client.get(url("programs:review", cohort, assignment_id=in_review.pk)).status_code == 200
    assert client.get(url("programs:calibration", cohort, module_id=module.pk)).status_code == 404
    assert (
        "Calibration" not in client.get(url("programs:module", cohort, module_id=module.pk)).content.decode()
    )
    client.force_login(alice)
    for page in ("programs:module", "programs:calibration-setup"):
        body = client.get(url(page, cohort, module_id=module.pk)).content.decode()
        assert "Calibration is on but has no reference review yet" in body, page
    insights = client.get(url("programs:insights", cohort)).content.decode()
    assert "on, no reference review yet" in insights


def test_switching_calibration_off_unlocks_reviews(cohort, module, alice, bob, calibration, in_review):
    assert access.must_calibrate(bob, cohort, module)
    services.calibration_configure(
        cohort=cohort, module=module, actor=alice, is_on=False, example=EXAMPLE, now=START
    )
    assert not access.must_calibrate(bob, cohort, module)


def test_fallback_reviewers_who_lead_the_cohort_are_never_locked(
    cohort, module, alice, calibration, in_review
):
    assert ReviewAssignment.objects.filter(reviewer=alice, is_fallback=True).exists()
    assert not access.must_calibrate(alice, cohort, module)


def test_only_the_cohorts_leads_set_the_example_and_the_reference(
    client, cohort, module, bob, dave, olivia, other_circle, calibration
):
    for person in (bob, dave):
        with pytest.raises(PermissionDenied):
            services.calibration_configure(
                cohort=cohort, module=module, actor=person, is_on=False, example="x", now=START
            )
        with pytest.raises(PermissionDenied):
            services.calibration_set_reference(
                calibration=calibration, actor=person, scores=scores(module, 1, 1), explanation="x", now=START
            )
    updated = services.calibration_set_reference(
        calibration=calibration, actor=olivia, scores=scores(module, 3, 3), explanation="Organizer", now=START
    )
    assert updated.reference_by == olivia and updated.reference_scores == {
        str(pk): 3 for pk in scores(module, 0, 0)
    }
    client.force_login(bob)
    for name in ("programs:calibration-setup", "programs:calibration-reference"):
        assert client.get(url(name, cohort, module_id=module.pk)).status_code == 404
        assert client.post(url(name, cohort, module_id=module.pk), {"example": "x"}).status_code == 404
    client.force_login(olivia)  # leads write the reference; they do not take the round
    assert client.get(url("programs:calibration", cohort, module_id=module.pk)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.calibration_submit(
            calibration=calibration, actor=olivia, scores=scores(module, 1, 1), now=START
        )


def test_a_lead_sets_up_calibration_through_the_pages(client, cohort, module, alice, bob):
    client.force_login(alice)
    setup = url("programs:calibration-setup", cohort, module_id=module.pk)
    refused = client.post(setup, {"is_on": "on", "example": ""})
    assert refused.status_code == 400 and "Write or paste an example" in refused.content.decode()
    response = client.post(setup, {"is_on": "on", "example": EXAMPLE})
    assert response["Location"] == url("programs:calibration-reference", cohort, module_id=module.pk)
    reference = client.get(response["Location"])
    assert EXAMPLE in reference.content.decode()
    values = {f"criterion_{pk}": str(v) for pk, v in scores(module, 2, 1).items()}
    missing = client.post(response["Location"], {**values, "explanation": ""})
    assert missing.status_code == 400
    saved = client.post(response["Location"], {**values, "explanation": WHY})
    assert saved["Location"] == setup
    body = client.get(setup).content.decode()
    assert "0 of 1 learners have calibrated" in body and WHY in body
    assert access.must_calibrate(bob, cohort, module)


def test_the_example_and_reference_scores_freeze_once_learners_calibrated(
    cohort, module, alice, bob, calibration
):
    services.calibration_submit(calibration=calibration, actor=bob, scores=scores(module, 2, 1), now=START)
    with pytest.raises(ValidationError):
        services.calibration_configure(
            cohort=cohort, module=module, actor=alice, is_on=True, example="Another example", now=START
        )
    with pytest.raises(ValidationError):
        services.calibration_set_reference(
            calibration=calibration, actor=alice, scores=scores(module, 3, 3), explanation=WHY, now=START
        )
    clearer = services.calibration_set_reference(
        calibration=calibration, actor=alice, scores=scores(module, 2, 1), explanation="Clearer", now=START
    )
    assert clearer.reference_explanation == "Clearer"


def test_a_reference_review_locks_the_rubric(cohort, module, olivia, calibration):
    with pytest.raises(ValidationError):
        services.criterion_add(module=module, actor=olivia, name="Courage", levels=LEVELS)


def test_insights_show_each_reviewers_calibration_agreement(
    client, cohort, module, olivia, bob, pia, calibration
):
    services.calibration_submit(calibration=calibration, actor=bob, scores=scores(module, 3, 1), now=START)
    services.calibration_submit(calibration=calibration, actor=pia, scores=scores(module, 3, 3), now=START)
    data = selectors.cohort_insights(cohort=cohort, now=START)
    by_name = {row.enrollment.user.display_name: row for row in data.learners}
    assert by_name["Bob"].calibration_difference == 0.5  # |3-2| and |1-1|
    assert by_name["Pia"].calibration_difference == 1.5  # |3-2| and |3-1|
    figures = next(m for m in data.modules if m.module == module)
    assert (figures.calibration, figures.calibrated, figures.calibration_mean_difference) == ("on", 2, 1.0)

    client.force_login(olivia)
    page = client.get(url("programs:insights", cohort)).content.decode()
    assert "Calibration agreement" in page and "0.5 points off" in page and "1.5 points off" in page
    response = client.get(url("programs:insights-csv", cohort))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    bob_rows = {r["module"]: r for r in rows if r["learner"] == "Bob"}
    assert bob_rows["1. Ask for feedback"]["calibration_difference"] == "0.5"
    assert bob_rows["2. Give feedback"]["calibration_difference"] == ""
    assert {r["calibration_difference_all_modules"] for r in bob_rows.values()} == {"0.5"}
