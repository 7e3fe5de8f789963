"""Solver runs through the worker, the organizer's proposal edits, and applying the proposal."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from peerpact.circles.models import Membership, MembershipStatus
from peerpact.communities.models import CommunityInvitation
from peerpact.formation.demo import fake_answers
from peerpact.formation.models import Application, FormationRun, Intake, IntakeStatus, RunStatus
from peerpact.formation.pool import build_pool, local_to_utc_hours
from peerpact.formation.selectors import proposal_summary
from peerpact.formation.services import intakes as intake_services
from peerpact.formation.services import runs
from peerpact.formation.services.intakes import ApplicationInput

NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _small_budget(settings: Any) -> None:
    settings.FORMATION_MAX_EVALUATIONS = 4_000


def _everyone(intake: Intake) -> list[int]:
    return sorted(m for c in intake.proposed_circles for m in c["members"])


def _run(intake: Intake, actor: Any) -> FormationRun:
    run = runs.run_request(intake=intake, actor=actor, now=NOW)
    assert runs.runs_process(now=NOW) is True
    run.refresh_from_db()
    intake.refresh_from_db()
    return run


def test_only_organizers_run_the_solver(
    pool_intake: Intake, add_applicants: Any, bob: Any, alice: Any
) -> None:
    add_applicants(pool_intake, 8)
    for actor in (bob, alice):
        with pytest.raises(PermissionDenied):
            runs.run_request(intake=pool_intake, actor=actor, now=NOW)


def test_a_run_needs_enough_applicants(pool_intake: Intake, add_applicants: Any, otto: Any) -> None:
    add_applicants(pool_intake, 3)
    with pytest.raises(ValidationError, match="At least 4 applicants"):
        runs.run_request(intake=pool_intake, actor=otto, now=NOW)


def test_asking_twice_while_waiting_returns_the_same_run(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    add_applicants(pool_intake, 8)
    first = runs.run_request(intake=pool_intake, actor=otto, now=NOW)
    assert runs.run_request(intake=pool_intake, actor=otto, now=NOW) == first
    assert FormationRun.objects.count() == 1


def test_the_worker_runs_it_and_the_result_becomes_the_proposal(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    apps = add_applicants(pool_intake, 14)
    run = _run(pool_intake, otto)
    assert run.status == RunStatus.DONE
    assert run.progress == 1.0
    assert run.result["applicants"] == 14
    assert _everyone(pool_intake) == sorted(a.pk for a in apps)  # everyone exactly once
    sizes = [len(c["members"]) for c in pool_intake.proposed_circles]
    assert all(4 <= s <= 6 for s in sizes)
    assert pool_intake.proposal["run"] == run.pk
    assert len({c["name"] for c in pool_intake.proposed_circles}) == len(sizes)
    assert runs.runs_process(now=NOW) is False  # nothing left to do


def test_same_seed_same_proposal(pool_intake: Intake, add_applicants: Any, otto: Any) -> None:
    add_applicants(pool_intake, 12)
    first = _run(pool_intake, otto)
    again = FormationRun.objects.create(
        intake=pool_intake, seed=first.seed, requested_by=otto, requested_at=NOW
    )
    runs.runs_process(now=NOW)
    again.refresh_from_db()
    assert again.result["circles"] == first.result["circles"]


def test_a_failing_run_is_recorded_and_the_worker_moves_on(
    pool_intake: Intake, add_applicants: Any, otto: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_applicants(pool_intake, 8)
    run = runs.run_request(intake=pool_intake, actor=otto, now=NOW)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("bad row")

    monkeypatch.setattr(runs, "build_pool", broken)
    assert runs.runs_process(now=NOW) is True
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "bad row" in run.error
    assert runs.runs_process(now=NOW) is False  # no crash loop: the failed run is not retried


def test_a_run_whose_worker_died_is_retried_then_given_up(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    add_applicants(pool_intake, 8)
    run = runs.run_request(intake=pool_intake, actor=otto, now=NOW)
    FormationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=NOW - timedelta(minutes=30), attempts=1
    )
    assert runs.runs_process(now=NOW) is True  # requeued and run
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.attempts == 2
    FormationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=NOW - timedelta(minutes=30)
    )
    runs.runs_process(now=NOW)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == runs.WORKER_LOST
    assert "stopped during this run twice" in run.error_message


def test_locked_circles_survive_a_rerun_and_newcomers_are_placed(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    add_applicants(pool_intake, 12)
    _run(pool_intake, otto)
    keep = pool_intake.proposed_circles[0]
    runs.proposal_rename(intake=pool_intake, actor=otto, circle=0, name="The early birds")
    runs.proposal_lock(intake=pool_intake, actor=otto, circle=0, locked=True)
    late = add_applicants(pool_intake, 4, seed=9)
    pool_intake.refresh_from_db()
    assert {a.pk for a in late} == {m.application_id for m in proposal_summary(pool_intake, now=NOW).unplaced}
    run = runs.run_request(intake=pool_intake, actor=otto, now=NOW)
    assert run.locked == [{"name": "The early birds", "members": keep["members"]}]
    runs.runs_process(now=NOW)
    pool_intake.refresh_from_db()
    circles = pool_intake.proposed_circles
    kept = [c for c in circles if c["locked"]]
    assert kept == [{"name": "The early birds", "members": keep["members"], "locked": True}]
    assert len(_everyone(pool_intake)) == 16
    assert set(_everyone(pool_intake)) >= {a.pk for a in late}


def test_moving_a_member_updates_the_proposal_and_checks_the_version(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    add_applicants(pool_intake, 10)
    _run(pool_intake, otto)
    version = pool_intake.proposal_version
    first = pool_intake.proposed_circles[0]
    moved = first["members"][0]
    runs.proposal_move(
        intake=pool_intake, actor=otto, application_id=moved, to_circle=1, expected_version=version
    )
    pool_intake.refresh_from_db()
    assert moved in pool_intake.proposed_circles[1]["members"]
    assert moved not in pool_intake.proposed_circles[0]["members"]
    with pytest.raises(runs.StaleProposal):
        runs.proposal_move(
            intake=pool_intake, actor=otto, application_id=moved, to_circle=0, expected_version=version
        )
    # Into a new circle of its own; a circle emptied by moves disappears.
    runs.proposal_move(intake=pool_intake, actor=otto, application_id=moved, to_circle=None)
    pool_intake.refresh_from_db()
    assert pool_intake.proposed_circles[-1]["members"] == [moved]


def test_moves_are_for_organizers_and_pool_members_only(
    pool_intake: Intake, add_applicants: Any, otto: Any, bob: Any
) -> None:
    add_applicants(pool_intake, 8)
    _run(pool_intake, otto)
    member = pool_intake.proposed_circles[0]["members"][0]
    with pytest.raises(PermissionDenied):
        runs.proposal_move(intake=pool_intake, actor=bob, application_id=member, to_circle=None)
    with pytest.raises(ValidationError, match="not in this intake"):
        runs.proposal_move(intake=pool_intake, actor=otto, application_id=999_999, to_circle=0)
    with pytest.raises(ValidationError, match="not in the proposal"):
        runs.proposal_move(intake=pool_intake, actor=otto, application_id=member, to_circle=42)
    with pytest.raises(ValidationError):
        runs.proposal_rename(intake=pool_intake, actor=otto, circle=0, name="  ")


def test_explanations_match_the_data(pool_intake: Intake, add_applicants: Any, otto: Any) -> None:
    apps = add_applicants(pool_intake, 12)
    _run(pool_intake, otto)
    summary = proposal_summary(pool_intake, now=NOW, viewer_zone="America/New_York")
    by_pk = {a.pk: a for a in apps}
    week = build_pool(pool_intake, now=NOW).week_of
    for view in summary.circles:
        members = [by_pk[m.application_id] for m in view.members]
        common = frozenset.intersection(
            *(local_to_utc_hours(a.availability, a.timezone, week) for a in members)
        )
        assert view.common_hours == len(common)
        for intention, count in view.shared_intentions:
            assert count == sum(intention in a.intentions for a in members) >= 2
        for wanter, skill, providers in view.skill_matches:
            assert any(a.user.name == wanter and skill in a.skills_want for a in members)
            assert all(any(a.user.name == p and skill in a.skills_have for a in members) for p in providers)
        assert f"{len(members)} people" in view.sentence
        assert 0 <= view.percent <= 100
        for member in view.members:  # each member sees the shared hours in their own zone
            assert len(member.common_hours_local) == len(view.common_hours_viewer) or view.common_hours
    assert summary.worst is not None and summary.worst <= summary.mean  # type: ignore[operator]


def test_an_isolation_reason_names_neither_the_person_nor_the_group(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    apps = add_applicants(pool_intake, 8)
    identity = pool_intake.questions.get(kind="identity")
    Application.objects.filter(pk=apps[0].pk).update(identity={identity.key: ["Non-binary"]})
    Application.objects.exclude(pk=apps[0].pk).update(identity={})
    pool_intake.proposal = {
        "circles": [{"name": "All", "members": [a.pk for a in apps[:5]], "locked": False}]
    }
    pool_intake.save()
    summary = proposal_summary(pool_intake, now=NOW)
    texts = " ".join(summary.circles[0].violations)
    assert "only member of a group you chose to protect" in texts
    assert apps[0].user.name not in texts and "Non-binary" not in texts


def test_apply_creates_circles_and_invitations_in_one_step(
    pool_intake: Intake, add_applicants: Any, otto: Any, bob: Any, circle: Any
) -> None:
    apps = add_applicants(pool_intake, 9)
    mine = intake_services.application_save(
        intake=pool_intake,
        user=bob,
        data=fake_answers(pool_intake, random.Random(3), zone="Europe/Madrid"),
        now=NOW,
    )
    _run(pool_intake, otto)
    if proposal_summary(pool_intake, now=NOW).violation_count:
        with pytest.raises(ValidationError):
            runs.intake_apply(intake=pool_intake, actor=otto, now=NOW)
    created = runs.intake_apply(intake=pool_intake, actor=otto, now=NOW, accept_violations=True)
    pool_intake.refresh_from_db()
    assert pool_intake.status == IntakeStatus.APPLIED
    assert [c.name for c in created] == [c["name"] for c in pool_intake.proposed_circles]
    assert all(c["circle_id"] for c in pool_intake.proposed_circles)
    # bob is a community member: a circle invitation; the others get a community invitation naming it.
    assert Membership.objects.get(user=bob, circle__in=created).status == MembershipStatus.INVITED
    assert CommunityInvitation.objects.filter(circle__in=created).count() == len(apps)
    assert not Membership.objects.filter(circle__in=created, user=otto).exists()
    with pytest.raises(ValidationError):
        runs.proposal_move(intake=pool_intake, actor=otto, application_id=mine.pk, to_circle=None)
    with pytest.raises(ValidationError):
        runs.run_request(intake=pool_intake, actor=otto, now=NOW)


def test_apply_refuses_while_someone_is_in_no_circle(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    add_applicants(pool_intake, 8)
    _run(pool_intake, otto)
    add_applicants(pool_intake, 1, seed=5)
    with pytest.raises(ValidationError, match="in no circle"):
        runs.intake_apply(intake=pool_intake, actor=otto, now=NOW, accept_violations=True)
    assert not Intake.objects.get(pk=pool_intake.pk).is_applied


def test_availability_is_converted_in_the_reference_week() -> None:
    # Monday 18:00 in Madrid is 17:00 UTC in winter and 16:00 UTC in summer.
    assert local_to_utc_hours([18], "Europe/Madrid", datetime(2026, 1, 5).date()) == frozenset({17})
    assert local_to_utc_hours([18], "Europe/Madrid", datetime(2026, 7, 6).date()) == frozenset({16})
    # Monday 01:00 in New York is Monday 06:00 UTC; Monday 00:00 in Tokyo is Sunday 15:00 UTC.
    assert local_to_utc_hours([1], "America/New_York", datetime(2026, 1, 5).date()) == frozenset({6})
    assert local_to_utc_hours([0], "Asia/Tokyo", datetime(2026, 1, 5).date()) == frozenset({6 * 24 + 15})


def test_pool_ignores_answers_to_options_that_no_longer_exist(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    [app] = add_applicants(pool_intake, 1)
    Application.objects.filter(pk=app.pk).update(skills_have=["Juggling", *app.skills_have])
    person = build_pool(pool_intake, now=NOW).people[0]
    assert "Juggling" not in person.skills_have


def test_the_proposal_costs_the_same_queries_for_any_pool_size(
    pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    counts = []
    for n in (8, 24):
        add_applicants(pool_intake, n - pool_intake.applications.count(), seed=n)
        FormationRun.objects.filter(intake=pool_intake).delete()
        _run(pool_intake, otto)
        with CaptureQueriesContext(connection) as queries:
            summary = proposal_summary(pool_intake, now=NOW)
        assert sum(len(c.members) for c in summary.circles) == n
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4


def test_the_organizer_is_told_why_rules_cannot_all_hold(
    pool_intake: Intake, add_applicants: Any, otto: Any, make_user: Any
) -> None:
    add_applicants(pool_intake, 8)
    night_owl = intake_services.application_save(
        intake=pool_intake,
        user=make_user("owl@example.com", "Night Owl"),
        data=ApplicationInput(timezone="Europe/Madrid", availability=[3, 4], languages=["en"], stage=1),
        now=NOW,
    )
    identity = pool_intake.questions.get(kind="identity")
    Application.objects.exclude(pk=night_owl.pk).update(identity={})
    lonely = Application.objects.exclude(pk=night_owl.pk).first()
    assert lonely is not None
    Application.objects.filter(pk=lonely.pk).update(identity={identity.key: ["Non-binary"]})
    _run(pool_intake, otto)
    summary = proposal_summary(pool_intake, now=NOW)
    assert summary.violation_count >= summary.unavoidable_violations >= 1
    texts = " ".join(summary.cannot_hold)
    assert "Night Owl: no 3 other applicants are free at the same 2 hours a week as them." in texts
    assert "1 applicant would be the only member of a protected group" in texts
    assert lonely.user.name not in texts and "Non-binary" not in texts


def test_a_cohort_intake_adds_huddles_and_enrolls_its_members(
    community: Any, olivia: Any, otto: Any, make_user: Any, add_applicants: Any
) -> None:
    from peerpact.communities import services as community_services
    from peerpact.programs import services as program_services
    from peerpact.programs.models import Enrollment

    program = program_services.program_create(community=community, actor=olivia, title="Lead with feedback")
    program_services.module_create(
        program=program, actor=olivia, title="Ask", content="Read.", action_challenge="Try it.", due_days=7
    )
    program_services.program_set_status(program=program, actor=olivia, status="published")
    cohort = program_services.cohort_create(
        program=program, actor=olivia, name="Autumn", starts_on=NOW.date(), now=NOW, timezone="Europe/Madrid"
    )
    intake = intake_services.intake_create(
        community=community, actor=otto, title="Autumn huddles", cohort=cohort
    )
    intake_services.intake_open(intake=intake, actor=otto, now=NOW)
    outsider = make_user("outsider@example.com", "Outsider")
    with pytest.raises(PermissionDenied, match="members of the community"):
        intake_services.application_save(
            intake=intake, user=outsider, data=fake_answers(intake, random.Random(1)), now=NOW
        )
    apps = []
    for i in range(8):
        user = make_user(f"learner{i}@example.com", f"Learner {i}")
        community_services.community_member_add(community=community, user=user)
        data = fake_answers(intake, random.Random(i), zone="Europe/Madrid")
        apps.append(intake_services.application_save(intake=intake, user=user, data=data, now=NOW))
    _run(intake, otto)
    created = runs.intake_apply(intake=intake, actor=otto, now=NOW, accept_violations=True)
    assert set(cohort.huddles.all()) == set(created)
    enrolled = Enrollment.objects.filter(cohort=cohort)
    assert enrolled.count() == 8
    for enrollment in enrolled:
        assert Membership.objects.get(user=enrollment.user, circle=enrollment.circle).status == "invited"


def test_proposed_circle_names_are_in_the_organizers_language(
    pool_intake: Intake, add_applicants: Any, otto: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils import translation

    otto.language = "es"
    otto.save(update_fields=["language"])
    add_applicants(pool_intake, 8)
    # Record which language is active while the worker names the circles.
    monkeypatch.setattr(runs, "_", lambda text: f"[{translation.get_language()}] {text}")
    with translation.override("en"):
        _run(pool_intake, otto)
    assert all(c["name"].startswith("[es] ") for c in pool_intake.proposed_circles)
