"""The organizer's review board in a real browser: the keyboard path (the Move form) and dragging a person
onto another circle both swap the board in place with new scores; every state is checked by `PageWatch`
(axe, console errors, CSP)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpact.formation.demo import demo_intake, fake_answers
from peerpact.formation.models import FormationRun, Intake, RunStatus
from peerpact.formation.services import intakes as services
from peerpact.formation.services.runs import run_execute
from tests.browser.conftest import PageWatch, log_in


@pytest.fixture
def proposed(community: Any, olivia: Any, make_user: Any, settings: Any) -> Intake:
    settings.FORMATION_MAX_EVALUATIONS = 4_000
    now = timezone.now()
    intake = demo_intake(community=community, organizer=olivia, title="Browser pool")
    services.intake_open(intake=intake, actor=olivia, now=now)
    rng = random.Random(4)
    for i in range(10):
        user = make_user(f"applicant{i}@example.com", f"Applicant {i}")
        services.application_save(
            intake=intake, user=user, data=fake_answers(intake, rng, zone="Europe/Madrid"), now=now
        )
    run = FormationRun.objects.create(
        intake=intake, requested_by=olivia, requested_at=now, status=RunStatus.RUNNING, started_at=now
    )
    run_execute(run=run, now=now)
    intake.refresh_from_db()
    return intake


def _circle_of(intake: Intake, application_id: int) -> int:
    fresh = Intake.objects.get(pk=intake.pk)
    return next(i for i, c in enumerate(fresh.proposed_circles) if application_id in c["members"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_organizer_moves_people_by_keyboard_and_by_dragging(
    page: Page, proposed: Intake, olivia: Any
) -> None:
    check = PageWatch(page)
    log_in(page, check, email=olivia.email, name="Olivia")
    page.goto(f"/c/{proposed.community.slug}/formation/{proposed.pk}/proposal/")
    expect(page.get_by_role("heading", name="Proposed circles")).to_be_visible()
    page.get_by_text("Why these people").first.click()
    check()

    # The keyboard path: the Move form beside a person; the board is swapped in place and announced.
    first = int(proposed.proposed_circles[0]["members"][0])
    page.locator(f"#move-{first}").select_option("new")
    page.locator(f"#member-{first}").get_by_role("button", name="Move").click()
    expect(page.locator("#board-announce")).to_contain_text("is now in")
    expect(page.locator(f"#member-{first}")).to_be_focused()
    assert _circle_of(proposed, first) == len(proposed.proposed_circles)  # a new circle at the end
    check()

    # Dragging a person onto another circle card submits the same form.
    second = int(proposed.proposed_circles[1]["members"][0])
    page.locator(f"#member-{second} .person__name").drag_to(page.locator("#circle-0 .circle-card__sentence"))
    expect(page.locator("#circle-0").locator(f"#member-{second}")).to_be_visible()
    assert _circle_of(proposed, second) == 0
    check()
