from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from peerpact.programs import services
from peerpact.programs.models import Enrollment, FollowUp, Module, ProgramStatus, RubricCriterion
from peerpact.programs.tests.conftest import LEVELS, START, submit

pytestmark = pytest.mark.django_db


def test_a_program_starts_as_a_draft_and_needs_a_module_to_be_published(community, olivia):
    program = services.program_create(community=community, actor=olivia, title="Coaching basics")
    assert program.status == ProgramStatus.DRAFT
    with pytest.raises(ValidationError):
        services.program_set_status(program=program, actor=olivia, status="published")
    services.module_create(
        program=program, actor=olivia, title="Listen", action_challenge="Listen for 10 minutes."
    )
    services.program_set_status(program=program, actor=olivia, status="published")
    assert program.status == ProgramStatus.PUBLISHED and program.published_at is not None


def test_only_organizers_author_programs(community, bob, circle):
    with pytest.raises(PermissionDenied):
        services.program_create(community=community, actor=bob, title="Mine")


def test_duplicating_copies_modules_and_rubrics_as_a_new_draft(program, olivia):
    copy = services.program_duplicate(program=program, actor=olivia, title="Lead with feedback, autumn")
    assert copy.status == ProgramStatus.DRAFT and copy.duplicated_from == program
    assert list(copy.modules.values_list("title", "due_days")) == list(
        program.modules.values_list("title", "due_days")
    )
    assert RubricCriterion.objects.filter(module__program=copy).count() == 4
    assert not set(Module.objects.filter(program=copy).values_list("pk", flat=True)) & set(
        program.modules.values_list("pk", flat=True)
    )


def test_rubric_levels_are_checked(module, olivia):
    with pytest.raises(ValidationError):
        services.criterion_add(
            module=module, actor=olivia, name="Bad", levels=[{"score": 1, "label": "Only one"}]
        )
    with pytest.raises(ValidationError):
        services.criterion_add(
            module=module,
            actor=olivia,
            name="Dup",
            levels=[{"score": 1, "label": "a"}, {"score": 1, "label": "b"}],
        )


def test_a_cohort_enrolls_the_huddles_members_but_not_their_facilitators(cohort, bob, alice, circle):
    enrolled = set(Enrollment.objects.filter(cohort=cohort).values_list("user", "circle"))
    assert enrolled == {(bob.pk, circle.pk)}


def test_a_cohort_needs_a_published_program(community, olivia, circle):
    draft = services.program_create(community=community, actor=olivia, title="Draft")
    with pytest.raises(ValidationError):
        services.cohort_create(
            program=draft, actor=olivia, name="X", starts_on=date(2026, 3, 2), huddles=[circle], now=START
        )


def test_a_learner_can_resubmit_until_a_review_of_it_starts(
    cohort, module, bob, make_circle, olivia, make_user
):
    first = submit(cohort, module, bob, "First try")
    again = submit(cohort, module, bob, "Second try, with notes")
    assert again.pk == first.pk and again.version == 2 and again.text == "Second try, with notes"
    peer = make_user("pia@example.com", "Pia")
    services.enrollment_add(cohort=cohort, actor=olivia, user=_member(peer, cohort), now=START)
    submit(cohort, module, peer)
    assert services.reviews_allocate(module=module, cohort=cohort, now=START)
    # Allocated but not opened: still editable.
    submit(cohort, module, bob, "Third try")
    for a in first.assignments.all():
        services.review_start(assignment=a, actor=a.reviewer, now=START)
    with pytest.raises(ValidationError, match="started reviewing"):
        submit(cohort, module, bob, "Too late")


def _member(user, cohort):
    from peerpact.communities import services as community_services

    community_services.community_member_add(community=cohort.program.community, user=user)
    return user


def test_only_enrolled_learners_submit(cohort, module, alice, dave, other_circle):
    for outsider in (alice, dave):
        with pytest.raises(PermissionDenied):
            submit(cohort, module, outsider)


def test_dropping_out_hands_unstarted_reviews_to_others(cohort, module, bob, olivia, make_user):
    peer = _member(make_user("pia@example.com", "Pia"), cohort)
    services.enrollment_add(cohort=cohort, actor=olivia, user=peer, now=START)
    submit(cohort, module, bob)
    submit(cohort, module, peer)
    services.reviews_allocate(module=module, cohort=cohort, now=START)
    enrollment = Enrollment.objects.get(cohort=cohort, user=bob)
    services.enrollment_drop(enrollment=enrollment, actor=bob, now=START)
    assert not bob.program_review_assignments.filter(released_at__isnull=True).exists()


def test_a_followup_answer_can_become_a_commitment_in_the_circles_next_checkin(
    cohort, module, bob, alice, circle
):
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.services import RhythmSpec

    checkin_services.rhythm_set(circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=START)
    submit(cohort, module, bob)
    later = cohort.followup_at(module)
    assert later == cohort.due_at(module) + timedelta(weeks=3)
    assert services.followups_send(now=later - timedelta(minutes=1)) is False
    assert services.followups_send(now=later) is True
    assert services.followups_send(now=later) is False  # once
    followup = FollowUp.objects.get(enrollment__user=bob)
    services.followup_answer(
        followup=followup,
        actor=bob,
        applied="partly",
        how="Asked two colleagues for feedback.",
        make_commitment=True,
        commitment_text="Ask my manager for feedback",
        now=later,
    )
    followup.refresh_from_db()
    assert followup.turned_into_commitment and followup.commitment.text == "Ask my manager for feedback"
    assert followup.commitment.membership.circle == circle
    assert followup.commitment.cycle.deadline_at > later


def test_a_followup_commitment_needs_a_circle_schedule(cohort, module, bob):
    submit(cohort, module, bob)
    later = cohort.followup_at(module)
    services.followups_send(now=later)
    followup = FollowUp.objects.get(enrollment__user=bob)
    with pytest.raises(ValidationError, match="no check-in schedule"):
        services.followup_answer(
            followup=followup, actor=bob, applied="yes", how="x", make_commitment=True, now=later
        )
    followup.refresh_from_db()
    assert followup.answered_at is None  # nothing half-saved


def test_followups_notify_the_learner(cohort, module, bob):
    from peerpact.notifications.models import Message

    submit(cohort, module, bob)
    services.followups_send(now=cohort.followup_at(module))
    assert Message.objects.filter(recipient=bob, kind="program.followup").exists()


def test_module_views_are_recorded_once(cohort, module, bob):
    enrollment = Enrollment.objects.get(cohort=cohort, user=bob)
    assert services.module_view_record(enrollment=enrollment, module=module, now=START) is True
    assert (
        services.module_view_record(enrollment=enrollment, module=module, now=START + timedelta(days=1))
        is False
    )


def test_levels_are_stored_lowest_first(module, olivia):
    criterion = services.criterion_add(
        module=module, actor=olivia, name="Order", levels=list(reversed(LEVELS))
    )
    assert criterion.scores == [1, 2, 3]


def test_a_too_long_link_is_refused_never_cut_short(cohort, module, bob):
    # Found by the form fuzzing: links over 500 characters used to be saved cut at 500, leading elsewhere.
    long_link = "https://example.com/" + "a" * 481
    with pytest.raises(ValidationError) as refused:
        submit(cohort, module, bob, links=[long_link])
    assert "500 characters" in str(refused.value)
    kept = "https://example.com/" + "a" * 480
    assert submit(cohort, module, bob, links=[kept]).links == [kept]
