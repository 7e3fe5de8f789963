from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peerpact.notifications.models import Message
from peerpact.programs import selectors, services
from peerpact.programs.models import Enrollment, ReviewAssignment, Submission
from peerpact.programs.tests.conftest import START, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def big_cohort(program, olivia, alice, make_circle):
    """Three huddles of 4 learners; alice facilitates the first."""
    huddles = [make_circle("North", 4, facilitator=alice), make_circle("South", 4), make_circle("East", 4)]
    return services.cohort_create(
        program=program, actor=olivia, name="Big", starts_on=date(2026, 3, 2), huddles=huddles, now=START
    )


def learners(cohort):
    return [e.user for e in Enrollment.objects.filter(cohort=cohort).select_related("user").order_by("pk")]


def live_counts(module):
    return Counter(
        ReviewAssignment.objects.live().filter(submission__module=module).values_list("submission", flat=True)
    )


def test_the_worker_allocates_exactly_k_once_the_module_is_due(big_cohort, module):
    people = learners(big_cohort)
    for user in people:
        submit(big_cohort, module, user)
    due = big_cohort.due_at(module)
    assert services.reviews_allocate_due(now=due - timedelta(seconds=1)) is False
    assert services.reviews_allocate_due(now=due) is True
    assert services.reviews_allocate_due(now=due) is False  # idempotent: nothing waits any more
    counts = live_counts(module)
    assert set(counts.values()) == {2} and len(counts) == len(people)
    loads = Counter(ReviewAssignment.objects.values_list("reviewer", flat=True))
    assert max(loads.values()) - min(loads.values()) <= 1
    assert not ReviewAssignment.objects.filter(submission__enrollment__user=models_F_reviewer()).exists()
    assert ReviewAssignment.objects.filter(is_fallback=True).count() == 0
    assert Message.objects.filter(kind="program.review_assigned").values("recipient").distinct().count() == 12


def models_F_reviewer():
    from django.db.models import F

    return F("reviewer")


def test_separate_circles_keeps_reviews_across_huddles(big_cohort, module, olivia):
    services.module_update(module=module, actor=olivia, separate_circles=True)
    for user in learners(big_cohort):
        submit(big_cohort, module, user)
    services.reviews_allocate(module=module, cohort=big_cohort, now=big_cohort.due_at(module))
    same = [
        a
        for a in ReviewAssignment.objects.select_related("submission__enrollment")
        if Enrollment.objects.get(cohort=big_cohort, user_id=a.reviewer_id).circle_id
        == a.submission.enrollment.circle_id
    ]
    assert same == []
    assert set(live_counts(module).values()) == {2}


def test_late_submitters_still_get_reviewers(big_cohort, module):
    people = learners(big_cohort)
    for user in people[:-1]:
        submit(big_cohort, module, user)
    due = big_cohort.due_at(module)
    services.reviews_allocate_due(now=due)
    late = submit(big_cohort, module, people[-1])
    assert services.reviews_allocate_due(now=due + timedelta(days=1)) is True
    assert live_counts(module)[late.pk] == 2


def test_a_review_not_started_in_time_is_released_and_given_to_someone_else(big_cohort, module):
    for user in learners(big_cohort):
        submit(big_cohort, module, user)
    due = big_cohort.due_at(module)
    services.reviews_allocate(module=module, cohort=big_cohort, now=due)
    assignments = list(ReviewAssignment.objects.order_by("pk"))
    started, lapsing = assignments[0], assignments[1]
    services.review_start(assignment=started, actor=started.reviewer, now=due + timedelta(days=1))
    for a in assignments[2:]:
        services.review_submit(
            assignment=a,
            actor=a.reviewer,
            scores={c.pk: 2 for c in module.criteria.all()},
            feedback="Good.",
            now=due + timedelta(days=1),
        )
    review_due = due + timedelta(days=module.review_days)
    assert services.reviews_release_overdue(now=review_due) is False  # not yet past due
    after = review_due + timedelta(seconds=1)
    assert services.reviews_release_overdue(now=after) is True
    lapsing.refresh_from_db()
    started.refresh_from_db()
    assert lapsing.released_at == after
    assert started.released_at is None  # a started review is never taken away
    services.reviews_allocate_due(now=after)
    replacement = ReviewAssignment.objects.live().get(submission=lapsing.submission, assigned_at=after)
    assert replacement.reviewer_id != lapsing.reviewer_id
    assert live_counts(module)[lapsing.submission_id] == 2


def test_a_tiny_cohort_falls_back_to_the_facilitator(cohort, module, bob, alice):
    """bob alone in his huddle: no peer can review him, so alice (facilitator) does."""
    submit(cohort, module, bob)
    [assignment] = services.reviews_allocate(module=module, cohort=cohort, now=START)
    assert assignment.reviewer == alice and assignment.is_fallback
    submission = Submission.objects.get()
    assert live_counts(module)[submission.pk] == 1  # short of k=2: one facilitator is all there is


def test_two_learners_review_each_other_and_the_facilitator_fills_the_gap(
    cohort, module, bob, alice, olivia, make_user
):
    from peerpact.communities import services as community_services

    pia = make_user("pia@example.com", "Pia")
    community_services.community_member_add(community=cohort.program.community, user=pia)
    services.enrollment_add(cohort=cohort, actor=olivia, user=pia, now=START)
    submit(cohort, module, bob)
    submit(cohort, module, pia)
    services.reviews_allocate(module=module, cohort=cohort, now=START)
    pairs = set(
        ReviewAssignment.objects.values_list("submission__enrollment__user", "reviewer", "is_fallback")
    )
    assert pairs == {
        (bob.pk, pia.pk, False),
        (pia.pk, bob.pk, False),
        (bob.pk, alice.pk, True),
        (pia.pk, alice.pk, True),
    }


def test_only_leads_open_review_by_hand(cohort, module, bob):
    with pytest.raises(PermissionDenied):
        services.reviews_allocate(module=module, cohort=cohort, now=START, actor=bob)


def test_a_review_needs_a_level_for_every_criterion_and_feedback(cohort, module, bob, alice):
    submit(cohort, module, bob)
    [assignment] = services.reviews_allocate(module=module, cohort=cohort, now=START)
    criteria = list(module.criteria.all())
    with pytest.raises(ValidationError, match="Choose a level"):
        services.review_submit(
            assignment=assignment, actor=alice, scores={criteria[0].pk: 3}, feedback="Hi", now=START
        )
    with pytest.raises(ValidationError, match="Choose a level"):
        services.review_submit(
            assignment=assignment, actor=alice, scores={c.pk: 9 for c in criteria}, feedback="Hi", now=START
        )
    with pytest.raises(PermissionDenied):
        services.review_submit(
            assignment=assignment, actor=bob, scores={c.pk: 3 for c in criteria}, feedback="Hi", now=START
        )
    review = services.review_submit(
        assignment=assignment,
        actor=alice,
        scores={c.pk: 3 for c in criteria},
        feedback="Well done.",
        now=START,
    )
    assert Message.objects.filter(recipient=bob, kind="program.review_received").exists()
    with pytest.raises(ValidationError):
        services.review_submit(
            assignment=assignment, actor=alice, scores={c.pk: 3 for c in criteria}, feedback="x", now=START
        )
    with pytest.raises(PermissionDenied):
        services.review_rate(review=review, actor=alice, helpful=5, now=START)
    services.review_rate(review=review, actor=bob, helpful=4, now=START)
    review.refresh_from_db()
    assert review.helpful == 4


def test_scores_per_criterion_are_the_median_of_the_reviews(big_cohort, olivia, module):
    people = learners(big_cohort)
    for user in people:
        submit(big_cohort, module, user)
    services.module_update(module=module, actor=olivia, reviews_k=3)
    module.refresh_from_db()
    services.reviews_allocate(module=module, cohort=big_cohort, now=START)
    action, reflection = module.criteria.all()
    target = Submission.objects.get(enrollment__user=people[0])
    given = [(1, 3), (3, 2), (3, 3)]
    for assignment, (a, r) in zip(target.assignments.order_by("pk"), given, strict=True):
        services.review_submit(
            assignment=assignment,
            actor=assignment.reviewer,
            scores={action.pk: a, reflection.pk: r},
            feedback="ok",
            now=START,
        )
    result = selectors.feedback_for(cohort=big_cohort, module=module, user=people[0])
    medians = {row.criterion.name: (row.median, row.label) for row in result.criteria}
    assert medians == {"Action taken": (3, "Strong"), "Reflection": (3, "Strong")}
    # An even number of reviews gives the mean of the middle two.
    assert selectors.median_scores([action], list(result.reviews)[:2])[0].median == 2


def test_program_notifications_render_as_email(cohort, module, bob, alice, mailoutbox):
    from peerpact.notifications import outbox

    submit(cohort, module, bob)
    [task] = services.reviews_allocate(module=module, cohort=cohort, now=START)
    services.review_submit(
        assignment=task,
        actor=alice,
        scores={c.pk: 2 for c in module.criteria.all()},
        feedback="Nice",
        now=START,
    )
    services.followups_send(now=cohort.followup_at(module))
    outbox.outbox_deliver_batch(now=cohort.followup_at(module) + timedelta(days=1))
    subjects = {m.to[0]: [] for m in mailoutbox}
    for m in mailoutbox:
        subjects[m.to[0]].append(m.subject)
    assert any("A peer review for you: Ask for feedback" in s for s in subjects["alice@example.com"])
    assert any("New feedback on your action: Ask for feedback" in s for s in subjects["bob@example.com"])
    assert any("Did you apply “Ask for feedback”?" in s for s in subjects["bob@example.com"])
    body = next(m.body for m in mailoutbox if "peer review for you" in m.subject)
    assert f"/programs/cohorts/{cohort.pk}/reviews/{task.pk}/" in body
