"""Intake, question and application services: who may write, and which field each error names."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import START
from peerpact.formation.models import Application, IntakeStatus, QuestionKind
from peerpact.formation.services import intakes as services
from peerpact.formation.services.intakes import ApplicationInput

pytestmark = pytest.mark.django_db


def error_fields(exc: ValidationError) -> set[str]:
    return set(exc.message_dict)


# -- intakes -------------------------------------------------------------------------------------------


def test_organizer_creates_a_draft_with_default_options(community: Any, otto: Any) -> None:
    intake = services.intake_create(community=community, actor=otto, title="  Autumn pool ")
    assert (intake.title, intake.status, intake.created_by) == ("Autumn pool", IntakeStatus.DRAFT, otto)
    assert len(intake.stage_labels) >= 2 and intake.skill_options and "en" in intake.language_options


def test_a_member_cannot_create_an_intake(community: Any, circle: Any, bob: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.intake_create(community=community, actor=bob, title="Mine")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"size_min": 6, "size_max": 4}, "size_max"),
        ({"language_options": ["en", "xx-nope"]}, "language_options"),
        ({"language_options": []}, "language_options"),
        ({"stage_labels": ["Only one"]}, "stage_labels"),
        ({"skill_options": ["x" * 81]}, "skill_options"),
        ({"title": ""}, "title"),
    ],
)
def test_intake_update_names_the_bad_field(
    intake: Any, olivia: Any, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.intake_update(intake=intake, actor=olivia, **fields)
    assert field in error_fields(caught.value)


def test_options_are_trimmed_and_deduplicated(intake: Any, olivia: Any) -> None:
    services.intake_update(intake=intake, actor=olivia, skill_options=[" Writing", "writing", "", "Design"])
    assert intake.skill_options == ["Writing", "Design"]


def test_an_intake_cannot_open_after_its_closing_time(intake: Any, olivia: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.intake_open(intake=intake, actor=olivia, now=START + timedelta(days=8))
    assert "closes_at" in error_fields(caught.value)
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DRAFT


def test_open_then_close(intake: Any, olivia: Any) -> None:
    services.intake_open(intake=intake, actor=olivia, now=START)
    assert intake.status == IntakeStatus.OPEN and intake.opened_at == START
    services.intake_close(intake=intake, actor=olivia, now=START + timedelta(hours=1))
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.CLOSED
    with pytest.raises(ValidationError):
        services.intake_close(intake=intake, actor=olivia, now=START + timedelta(hours=2))


def test_the_worker_closes_an_intake_at_its_closing_time(open_intake: Any) -> None:
    closes_at = open_intake.closes_at
    assert services.intakes_close_due(now=closes_at - timedelta(seconds=1)) is False
    open_intake.refresh_from_db()
    assert open_intake.status == IntakeStatus.OPEN
    assert services.intakes_close_due(now=closes_at) is True
    open_intake.refresh_from_db()
    assert (open_intake.status, open_intake.closed_at) == (IntakeStatus.CLOSED, closes_at)
    assert services.intakes_close_due(now=closes_at + timedelta(hours=1)) is False


def test_the_worker_leaves_intakes_without_a_closing_time_open(intake: Any, olivia: Any) -> None:
    services.intake_update(intake=intake, actor=olivia, closes_at=None)
    services.intake_open(intake=intake, actor=olivia, now=START)
    assert services.intakes_close_due(now=START + timedelta(days=365)) is False


# -- questions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "choice", "prompt": "Pick", "options": ["One"]}, "options"),
        (
            {"kind": "identity", "prompt": "Group?", "options": ["A", "B"], "protected_options": []},
            "protected_options",
        ),
        (
            {"kind": "identity", "prompt": "Group?", "options": ["A", "B"], "protected_options": ["C"]},
            "protected_options",
        ),
        ({"kind": "scale", "prompt": "How?", "scale_min": 1, "scale_max": 20}, "scale_max"),
        ({"kind": "multi", "prompt": "", "options": ["A", "B"]}, "prompt"),
    ],
)
def test_question_add_names_the_bad_field(
    intake: Any, olivia: Any, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.question_add(intake=intake, actor=olivia, **fields)
    assert field in error_fields(caught.value)


def test_identity_questions_are_optional_and_never_scored(intake: Any, olivia: Any) -> None:
    question = services.question_add(
        intake=intake,
        actor=olivia,
        kind="identity",
        prompt="Another group?",
        options=["A", "B"],
        protected_options=["B"],
        required=True,
        weight=4,
        direction="different",
    )
    assert (question.required, question.weight, question.direction) == (False, 0.0, "ignore")


def test_a_question_keeps_its_kind(intake: Any, olivia: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.question_update(question=intake.q.choice, actor=olivia, kind=QuestionKind.MULTI)
    assert "kind" in error_fields(caught.value)


def test_questions_move_up_and_down(intake: Any, olivia: Any) -> None:
    services.question_move(question=intake.q.identity, actor=olivia, offset=-1)
    assert [q.pk for q in intake.questions.all()] == [
        intake.q.choice.pk,
        intake.q.identity.pk,
        intake.q.scale.pk,
    ]
    services.question_move(question=intake.q.choice, actor=olivia, offset=-1)  # already first: stays
    assert intake.questions.first().pk == intake.q.choice.pk


def test_a_member_cannot_change_questions(intake: Any, circle: Any, bob: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.question_delete(question=intake.q.choice, actor=bob)


# -- applications --------------------------------------------------------------------------------------


def test_an_application_stores_answers_and_private_identity_apart(
    bob_application: Any, open_intake: Any
) -> None:
    q = open_intake.q
    assert bob_application.availability == [18, 19, 66]
    assert bob_application.answers == {q.choice.key: "Evenings", q.scale.key: 4}
    assert bob_application.identity == {q.identity.key: ["Zeta group"]}
    assert q.identity.key not in bob_application.answers


def test_saving_again_changes_the_one_application(
    bob_application: Any, open_intake: Any, bob: Any, application_input: ApplicationInput
) -> None:
    services.application_withdraw(application=bob_application, user=bob, now=START)
    changed = dataclasses.replace(application_input, stage=3)
    services.application_save(intake=open_intake, user=bob, data=changed, now=START)
    again = Application.objects.get(intake=open_intake, user=bob)
    assert (again.stage, again.withdrawn_at, Application.objects.count()) == (3, None, 1)


def _answers(open_intake: Any, **changes: Any) -> dict[str, Any]:
    q = open_intake.q
    answers = {q.choice.key: "Evenings", q.scale.key: 4}
    answers.update({getattr(q, k).key: v for k, v in changes.items()})
    return answers


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"availability": []}, "availability"),
        ({"availability": [18, 168]}, "availability"),
        ({"languages": ["de"]}, "languages"),
        ({"languages": []}, "languages"),
        ({"stage": 9}, "stage"),
        ({"stage": -1}, "stage"),
        ({"intentions": ["Get rich"]}, "intentions"),
        ({"skills_have": ["Juggling"]}, "skills_have"),
        ({"skills_want": ["Juggling"]}, "skills_want"),
        ({"preferred_size": 12}, "preferred_size"),
        ({"with_emails": ["bob@example.com"]}, "with_emails"),
        ({"with_emails": ["not an address"]}, "with_emails"),
        ({"with_emails": [f"p{i}@example.com" for i in range(6)]}, "with_emails"),
        ({"with_emails": ["dave@example.com"]}, "not_with_emails"),
        ({"note": "x" * 2001}, "note"),
    ],
)
def test_application_errors_name_their_form_field(
    open_intake: Any,
    bob: Any,
    circle: Any,
    application_input: ApplicationInput,
    change: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.application_save(
            intake=open_intake, user=bob, data=dataclasses.replace(application_input, **change), now=START
        )
    assert field in error_fields(caught.value)
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("answers", "question"),
    [
        ({"choice": "Noon"}, "choice"),
        ({"scale": 6}, "scale"),
        ({"scale": None}, "scale"),  # required
    ],
)
def test_custom_answer_errors_name_q_pk(
    open_intake: Any,
    bob: Any,
    circle: Any,
    application_input: ApplicationInput,
    answers: dict[str, Any],
    question: str,
) -> None:
    data = dataclasses.replace(application_input, answers=_answers(open_intake, **answers))
    with pytest.raises(ValidationError) as caught:
        services.application_save(intake=open_intake, user=bob, data=data, now=START)
    assert error_fields(caught.value) == {f"q_{getattr(open_intake.q, question).pk}"}


def test_identity_answers_must_be_offered_options(
    open_intake: Any, bob: Any, circle: Any, application_input: ApplicationInput
) -> None:
    data = dataclasses.replace(application_input, identity={open_intake.q.identity.key: ["Made up"]})
    with pytest.raises(ValidationError) as caught:
        services.application_save(intake=open_intake, user=bob, data=data, now=START)
    assert error_fields(caught.value) == {f"q_{open_intake.q.identity.pk}"}


def test_nobody_applies_to_a_closed_intake(
    open_intake: Any, olivia: Any, bob: Any, circle: Any, application_input: ApplicationInput
) -> None:
    services.intake_close(intake=open_intake, actor=olivia, now=START)
    with pytest.raises(PermissionDenied):
        services.application_save(intake=open_intake, user=bob, data=application_input, now=START)


def test_nobody_applies_after_the_closing_time(
    open_intake: Any, bob: Any, circle: Any, application_input: ApplicationInput
) -> None:
    with pytest.raises(PermissionDenied):
        services.application_save(
            intake=open_intake, user=bob, data=application_input, now=open_intake.closes_at
        )


def test_nobody_applies_to_a_draft(
    community: Any, olivia: Any, bob: Any, circle: Any, application_input: ApplicationInput
) -> None:
    draft = services.intake_create(
        community=community, actor=olivia, title="Not yet", language_options=["en"]
    )
    with pytest.raises(PermissionDenied):
        services.application_save(intake=draft, user=bob, data=application_input, now=START)


def cohort_of(community: Any, olivia: Any) -> Any:
    from peerpact.programs import services as programs

    program = programs.program_create(community=community, actor=olivia, title="Lead")
    programs.module_create(program=program, actor=olivia, title="Ask", action_challenge="Ask.")
    programs.program_set_status(program=program, actor=olivia, status="published")
    return programs.cohort_create(
        program=program, actor=olivia, name="Spring", starts_on=START.date(), now=START
    )


def test_outsiders_may_apply_to_a_community_intake_but_not_to_a_cohorts(
    community: Any, olivia: Any, open_intake: Any, erin: Any, application_input: ApplicationInput
) -> None:
    assert services.application_save(intake=open_intake, user=erin, data=application_input, now=START).pk
    cohort_intake = services.intake_create(
        community=community, actor=olivia, title="Huddles", cohort=cohort_of(community, olivia)
    )
    services.intake_open(intake=cohort_intake, actor=olivia, now=START)
    data = dataclasses.replace(application_input, answers={}, identity={})
    with pytest.raises(PermissionDenied, match="members of the community"):
        services.application_save(intake=cohort_intake, user=erin, data=data, now=START)


def test_a_cohort_must_be_of_the_community(
    community: Any, olivia: Any, other_community: Any, carol: Any
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.intake_create(
            community=community, actor=olivia, title="Theirs", cohort=cohort_of(other_community, carol)
        )
    assert "cohort" in error_fields(caught.value)


def test_only_the_applicant_withdraws_and_only_while_open(bob_application: Any, alice: Any, bob: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.application_withdraw(application=bob_application, user=alice, now=START)
    with pytest.raises(PermissionDenied):
        services.application_withdraw(
            application=bob_application, user=bob, now=bob_application.intake.closes_at + timedelta(seconds=1)
        )
    services.application_withdraw(application=bob_application, user=bob, now=START)
    bob_application.refresh_from_db()
    assert bob_application.withdrawn_at == START
