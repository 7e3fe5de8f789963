"""The organizer's review page: running the solver, reading the proposal, moving, locking, renaming,
applying; who may do it; and that private self-identification answers never reach the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from peerpact.circles.models import Circle
from peerpact.formation.demo import demo_intake
from peerpact.formation.models import Application, FormationRun, Intake, IntakeStatus, RunStatus
from peerpact.formation.selectors import proposal_summary
from peerpact.formation.services import runs

NOW = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _small_budget(settings: Any) -> None:
    settings.FORMATION_MAX_EVALUATIONS = 4_000


@pytest.fixture
def proposed(pool_intake: Intake, add_applicants: Any, otto: Any) -> Intake:
    """12 applicants, run through the worker: a proposal of two or three circles to review."""
    add_applicants(pool_intake, 12)
    runs.run_request(intake=pool_intake, actor=otto, now=NOW)
    assert runs.runs_process(now=NOW)
    pool_intake.refresh_from_db()
    return pool_intake


@pytest.fixture
def as_otto(client: Client, otto: Any) -> Client:
    client.force_login(otto)
    return client


def url(intake: Intake, name: str = "proposal", **extra: Any) -> str:
    return reverse(
        f"formation:{name}", kwargs={"community": intake.community.slug, "intake": intake.pk, **extra}
    )


def fresh(intake: Intake) -> Intake:
    return Intake.objects.get(pk=intake.pk)


def html(response: Any) -> str:
    return response.content.decode()


# -- reading the proposal --------------------------------------------------------------------------------


def test_organizer_sees_circles_scores_sentences_and_members(as_otto: Client, proposed: Intake) -> None:
    summary = proposal_summary(proposed, now=NOW)
    response = as_otto.get(url(proposed))
    assert response.status_code == 200
    page = html(response)
    assert "Re-run for everyone" in page
    assert f"{summary.worst_percent}%" in page and f"{summary.mean_percent}%" in page
    for circle in summary.circles:
        assert circle.name in page
        assert f'value="{circle.percent}"' in page  # the meter, with the % as text beside it
        assert escape(circle.sentence) in page
        for member in circle.members:
            assert member.name in page
            assert f'id="move-{member.application_id}"' in page  # every member has a Move form
        for label, _percent in circle.components:
            assert escape(label) in page
    assert "Why these people" in page and "In each member's time" in page
    assert f'name="version" value="{proposed.proposal_version}"' in page
    assert "Create " in page and f"invite {sum(len(c.members) for c in summary.circles)} people" in page


def test_without_a_proposal_the_page_offers_to_form_circles(
    as_otto: Client, pool_intake: Intake, add_applicants: Any
) -> None:
    add_applicants(pool_intake, 5)
    page = html(as_otto.get(url(pool_intake)))
    assert "Form circles" in page and "No proposal yet" in page
    assert "Create the circles" not in page


def test_skill_matches_are_spelled_out(as_otto: Client, proposed: Intake) -> None:
    summary = proposal_summary(proposed, now=NOW)
    matches = [m for c in summary.circles for m in c.skill_matches]
    assert matches, "the fixture pool has complementary skills"
    wanter, skill, providers = matches[0]
    page = html(as_otto.get(url(proposed)))
    assert f"{wanter} wants {skill} — {', '.join(providers)} bring" in page


# -- running the solver ------------------------------------------------------------------------------


def test_form_circles_queues_a_run_and_the_page_polls_its_progress(
    as_otto: Client, pool_intake: Intake, add_applicants: Any
) -> None:
    add_applicants(pool_intake, 8)
    response = as_otto.post(url(pool_intake, "run"))
    assert response.status_code == 302 and response["Location"] == url(pool_intake)
    run = FormationRun.objects.get(intake=pool_intake)
    assert run.status == RunStatus.QUEUED
    page = html(as_otto.get(url(pool_intake)))
    poll = url(pool_intake, "run-progress", run=run.pk)
    assert f'hx-get="{poll}"' in page and 'hx-trigger="every 1s"' in page
    assert "<progress" in page and 'role="status"' in page and "Refresh" in page
    FormationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=0.42)
    fragment = as_otto.get(poll, **HX)
    assert fragment.status_code == 200 and "42% done" in html(fragment)
    assert "HX-Refresh" not in fragment and "<html" not in html(fragment)


def test_asking_with_htmx_answers_the_progress_panel(
    as_otto: Client, pool_intake: Intake, add_applicants: Any
) -> None:
    add_applicants(pool_intake, 8)
    response = as_otto.post(url(pool_intake, "run"), **HX)
    assert response.status_code == 200
    assert 'id="run-panel"' in html(response) and "<html" not in html(response)
    assert 'hx-trigger="every 1s"' in html(response)
    assert as_otto.post(url(pool_intake, "run"), **HX).status_code == 200  # the same run, not a second
    assert FormationRun.objects.filter(intake=pool_intake).count() == 1


def test_when_the_worker_is_done_the_fragment_reloads_the_page(
    as_otto: Client, pool_intake: Intake, add_applicants: Any
) -> None:
    add_applicants(pool_intake, 8)
    as_otto.post(url(pool_intake, "run"))
    run = FormationRun.objects.get(intake=pool_intake)
    assert runs.runs_process(now=NOW)
    fragment = as_otto.get(url(pool_intake, "run-progress", run=run.pk), **HX)
    assert fragment["HX-Refresh"] == "true"
    assert "hx-trigger" not in html(fragment)  # it stops polling
    page = html(as_otto.get(url(pool_intake)))
    assert "Proposed circles" in page and 'hx-trigger="every 1s"' not in page


def test_a_failed_run_shows_its_error_and_lets_you_try_again(
    as_otto: Client, pool_intake: Intake, add_applicants: Any
) -> None:
    add_applicants(pool_intake, 8)
    run = runs.run_request(intake=pool_intake, actor=pool_intake.created_by, now=NOW)
    FormationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="The worker gave up")
    page = html(as_otto.get(url(pool_intake)))
    assert "The last run failed" in page and "The worker gave up" in page and "Try again" in page


def test_too_few_applicants_is_a_400_next_to_the_button(
    as_otto: Client, pool_intake: Intake, add_applicants: Any
) -> None:
    add_applicants(pool_intake, 2)
    response = as_otto.post(url(pool_intake, "run"))
    assert response.status_code == 400
    assert 'id="run-error"' in html(response) and "At least 4 applicants" in html(response)
    assert not FormationRun.objects.exists()


def test_the_run_of_another_intake_is_not_found(
    as_otto: Client, proposed: Intake, community: Any, otto: Any
) -> None:
    other = demo_intake(community=community, organizer=otto, title="Other pool")
    run = proposed.runs.get()
    assert as_otto.get(url(other, "run-progress", run=run.pk)).status_code == 404


# -- editing the proposal ------------------------------------------------------------------------------


def _first_member(intake: Intake) -> int:
    return int(intake.proposed_circles[0]["members"][0])


def test_moving_someone_without_js_redirects_to_the_new_proposal(as_otto: Client, proposed: Intake) -> None:
    member = _first_member(proposed)
    response = as_otto.post(
        url(proposed, "move"), {"application": member, "to": "1", "version": proposed.proposal_version}
    )
    assert response.status_code == 302 and response["Location"] == url(proposed) + "#circle-1"
    assert member in fresh(proposed).proposed_circles[1]["members"]
    page = html(as_otto.get(url(proposed)))
    assert "is now in" in page and "Scores are updated" in page


def test_moving_with_htmx_answers_the_board_with_the_new_scores(as_otto: Client, proposed: Intake) -> None:
    member = _first_member(proposed)
    before = [c.percent for c in proposal_summary(proposed, now=NOW).circles]
    response = as_otto.post(
        url(proposed, "move"),
        {"application": member, "to": "new", "version": proposed.proposal_version},
        **HX,
    )
    assert response.status_code == 200
    board = html(response)
    assert board.lstrip().startswith('<div id="formation-board"') and "<html" not in board
    after_summary = proposal_summary(fresh(proposed), now=NOW)
    after = [c.percent for c in after_summary.circles]
    assert after != before and len(after) == len(before) + 1
    for percent in after:
        assert f"{percent}%" in board
    assert f'name="version" value="{proposed.proposal_version + 1}"' in board
    assert 'hx-swap-oob="innerHTML"' in board and "is now in" in board  # announced to screen readers
    assert re.search(rf'id="member-{member}"[^>]*data-focus-after-swap', board)


def test_a_stale_edit_is_a_409_that_shows_the_current_proposal(as_otto: Client, proposed: Intake) -> None:
    member = _first_member(proposed)
    old = proposed.proposal_version
    runs.proposal_rename(intake=proposed, actor=proposed.created_by, circle=1, name="Renamed elsewhere")
    current = fresh(proposed).proposal
    response = as_otto.post(url(proposed, "move"), {"application": member, "to": "1", "version": old})
    assert response.status_code == 409
    page = html(response)
    assert "The proposal changed since you opened it" in page
    assert "Renamed elsewhere" in page and f'name="version" value="{old + 1}"' in page
    assert fresh(proposed).proposal == current  # nothing overwritten
    # A stale rename keeps what was typed, next to the control.
    response = as_otto.post(
        url(proposed, "rename"), {"circle": 0, "name": "My careful name", "version": old}, **HX
    )
    assert response.status_code == 409 and 'value="My careful name"' in html(response)
    assert fresh(proposed).proposal == current


def test_lock_and_rename(as_otto: Client, proposed: Intake) -> None:
    version = proposed.proposal_version
    response = as_otto.post(url(proposed, "lock"), {"circle": 0, "locked": "true", "version": version})
    assert response.status_code == 302
    assert fresh(proposed).proposed_circles[0]["locked"] is True
    page = html(as_otto.get(url(proposed)))
    assert "Re-run for the rest" in page and "keeps the 1 locked circle" in page
    assert 'aria-pressed="true"' in page
    response = as_otto.post(
        url(proposed, "rename"), {"circle": 0, "name": "The early birds", "version": version + 1}, **HX
    )
    assert response.status_code == 200 and "The early birds" in html(response)
    assert fresh(proposed).proposed_circles[0]["name"] == "The early birds"
    response = as_otto.post(url(proposed, "lock"), {"circle": 0, "locked": "false", "version": version + 2})
    assert fresh(proposed).proposed_circles[0]["locked"] is False


def test_a_refused_rename_is_a_400_that_keeps_the_text(as_otto: Client, proposed: Intake) -> None:
    taken = proposed.proposed_circles[1]["name"]
    response = as_otto.post(
        url(proposed, "rename"), {"circle": 0, "name": taken, "version": proposed.proposal_version}
    )
    assert response.status_code == 400
    page = html(response)
    assert "Another proposed circle already has that name" in page
    assert 'id="rename-0-error"' in page and 'aria-invalid="true"' in page
    assert fresh(proposed).proposed_circles[0]["name"] != taken
    response = as_otto.post(url(proposed, "move"), {"application": "x", "to": "1", "version": "1"})
    assert response.status_code == 400


# -- applying ------------------------------------------------------------------------------------------


def _violation_free(intake: Intake) -> bool:
    return not proposal_summary(fresh(intake), now=NOW).violation_count


def test_apply_creates_the_circles_and_the_page_then_links_to_them(as_otto: Client, proposed: Intake) -> None:
    response = as_otto.post(
        url(proposed, "apply"),
        {"version": proposed.proposal_version, "message": "Welcome, all!", "accept_violations": "on"},
    )
    assert response.status_code == 302
    intake = fresh(proposed)
    assert intake.status == IntakeStatus.APPLIED
    circles = Circle.objects.filter(pk__in=[c["circle_id"] for c in intake.proposed_circles])
    assert circles.count() == len(intake.proposed_circles)
    page = html(as_otto.get(url(proposed)))
    assert "circles created" in page and "The circles are created" in page
    for circle in circles:
        assert (
            reverse("circles:detail", kwargs={"community": circle.community.slug, "circle": circle.slug})
            in page
        )
    assert 'name="version"' not in page and "data-move-form" not in page  # no edit controls any more
    assert 'draggable="true"' not in page
    late = as_otto.post(
        url(proposed, "move"),
        {"application": _first_member(intake), "to": "new", "version": intake.proposal_version},
    )
    assert late.status_code == 400 and fresh(proposed).status == IntakeStatus.APPLIED


def test_rule_breaks_need_the_checkbox(as_otto: Client, pool_intake: Intake, add_applicants: Any) -> None:
    apps = add_applicants(pool_intake, 10)
    # 8 and 2: both break the size rule (circles of 4 to 6).
    pool_intake.proposal = {
        "circles": [
            {"name": "Too big", "members": [a.pk for a in apps[:8]], "locked": False},
            {"name": "Too small", "members": [a.pk for a in apps[8:]], "locked": False},
        ]
    }
    pool_intake.save(update_fields=["proposal"])
    page = html(as_otto.get(url(pool_intake)))
    assert "Breaks a rule" in page and "circles have 4 to 6" in page and 'name="accept_violations"' in page
    data = {"version": pool_intake.proposal_version, "message": "Hello there"}
    response = as_otto.post(url(pool_intake, "apply"), data)
    assert response.status_code == 400
    page = html(response)
    assert 'id="accept-violations-error"' in page and "Confirm that you want them anyway" in page
    assert "Hello there" in page  # the message typed is kept
    assert not fresh(pool_intake).is_applied
    response = as_otto.post(url(pool_intake, "apply"), {**data, "accept_violations": "on"})
    assert response.status_code == 302 and fresh(pool_intake).is_applied


def test_apply_refuses_while_someone_is_in_no_circle(
    as_otto: Client, proposed: Intake, add_applicants: Any
) -> None:
    [late] = add_applicants(proposed, 1, seed=5)
    page = html(as_otto.get(url(proposed)))
    assert "1 applicant is in no circle yet" in page and f'id="move-{late.pk}"' in page
    response = as_otto.post(
        url(proposed, "apply"), {"version": proposed.proposal_version, "accept_violations": "on"}
    )
    assert response.status_code == 400 and "in no circle yet" in html(response)
    response = as_otto.post(
        url(proposed, "move"), {"application": late.pk, "to": "0", "version": proposed.proposal_version}
    )
    assert response.status_code == 302 and late.pk in fresh(proposed).proposed_circles[0]["members"]


# -- who may -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["bob", "alice"])
def test_members_who_are_not_organizers_are_refused_with_a_reason(
    client: Client, proposed: Intake, circle: Any, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(proposed))
    assert response.status_code == 403 and "Only the community" in html(response)
    before = fresh(proposed).proposal
    member = _first_member(proposed)
    response = client.post(
        url(proposed, "move"), {"application": member, "to": "new", "version": proposed.proposal_version}
    )
    assert response.status_code == 403 and fresh(proposed).proposal == before
    assert client.post(url(proposed, "run")).status_code == 403
    assert client.get(url(proposed, "run-progress", run=proposed.runs.get().pk)).status_code == 403


@pytest.mark.parametrize("persona", ["erin", "carol"])
def test_people_outside_the_community_find_nothing(
    client: Client, proposed: Intake, other_community: Any, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(proposed)).status_code == 404
    assert client.post(url(proposed, "apply"), {"version": proposed.proposal_version}).status_code == 404
    assert not fresh(proposed).is_applied


def test_anonymous_visitors_are_sent_to_log_in(client: Client, proposed: Intake) -> None:
    response = client.get(url(proposed))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_an_intake_of_another_community_is_not_found(
    as_otto: Client, community: Any, other_community: Any, carol: Any
) -> None:
    foreign = demo_intake(community=other_community, organizer=carol, title="Elsewhere pool")
    wrong = reverse("formation:proposal", kwargs={"community": community.slug, "intake": foreign.pk})
    assert as_otto.get(wrong).status_code == 404


def test_self_identification_answers_never_reach_the_page(
    as_otto: Client, pool_intake: Intake, add_applicants: Any, otto: Any
) -> None:
    apps = add_applicants(pool_intake, 8)
    identity = pool_intake.questions.get(kind="identity")
    Application.objects.filter(pk=apps[0].pk).update(identity={identity.key: ["Non-binary"]})
    Application.objects.filter(pk=apps[1].pk).update(identity={identity.key: ["First-generation founder"]})
    Application.objects.exclude(pk__in=[apps[0].pk, apps[1].pk]).update(identity={})
    pool_intake.proposal = {
        "circles": [
            {"name": "First", "members": [a.pk for a in apps[:4]], "locked": False},
            {"name": "Second", "members": [a.pk for a in apps[4:]], "locked": False},
        ]
    }
    pool_intake.save(update_fields=["proposal"])
    page = html(as_otto.get(url(pool_intake)))
    assert "only member of a group you chose to protect" in page  # the rule, without who or which group
    for secret in ("Non-binary", "First-generation founder", "A woman", identity.prompt, "identif"):
        assert secret not in page
