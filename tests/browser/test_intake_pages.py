"""Intake pages in a real browser: the organizer's authoring pages and the applicant's form, every page
checked by `PageWatch` (axe, console errors, CSP). Bob paints his availability by dragging across the grid."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from peerpact.formation.models import Application
from peerpact.formation.services import intakes as services
from tests.browser.conftest import PageWatch, log_in


@pytest.fixture
def open_intake(community: Any, olivia: Any, circle: Any) -> Any:
    from django.utils import timezone

    intake = services.intake_create(
        community=community,
        actor=olivia,
        title="Spring circles",
        welcome="**Welcome!**",
        language_options=["en"],
    )
    services.question_add(
        intake=intake,
        actor=olivia,
        kind="scale",
        prompt="How much structure?",
        scale_min_label="Loose",
        scale_max_label="Strict",
    )
    services.question_add(
        intake=intake,
        actor=olivia,
        kind="identity",
        prompt="Which group?",
        options=["Zeta", "Omega"],
        protected_options=["Zeta"],
    )
    services.intake_open(intake=intake, actor=olivia, now=timezone.now())
    return intake


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_applicant_paints_his_hours_and_applies(page: Page, open_intake: Any, bob: Any) -> None:
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    page.goto(f"/apply/{open_intake.token}/")
    check()
    monday_18 = page.get_by_label("Monday 18:00–19:00", exact=True)
    monday_20 = page.get_by_label("Monday 20:00–21:00", exact=True)
    monday_18.hover()
    page.mouse.down()
    page.get_by_label("Monday 19:00–20:00", exact=True).hover()
    monday_20.hover()
    page.mouse.up()
    expect(monday_20).to_be_checked()
    expect(monday_18).to_be_checked()
    page.get_by_label("Tuesday 09:00–10:00", exact=True).check()  # the keyboard/plain way still works
    page.get_by_label("Finding my feet").check()
    page.get_by_label("English").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Your answers are saved.")).to_be_visible()
    check()
    assert Application.objects.get(user=bob).availability == [18, 19, 20, 33]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_organizer_pages_are_accessible(page: Page, open_intake: Any, olivia: Any, bob: Any) -> None:
    from django.utils import timezone

    from peerpact.formation.services.intakes import ApplicationInput

    services.application_save(
        intake=open_intake,
        user=bob,
        data=ApplicationInput(timezone="UTC", availability=[18, 19], languages=["en"], stage=1),
        now=timezone.now(),
    )
    check = PageWatch(page)
    log_in(page, check, email=olivia.email, name="Olivia")
    base = f"/c/{open_intake.community.slug}/formation/"
    for path in (
        "",
        "new/",
        f"{open_intake.pk}/",
        f"{open_intake.pk}/edit/",
        f"{open_intake.pk}/questions/new/",
        f"{open_intake.pk}/applications/",
    ):
        page.goto(base + path)
        check()
    page.goto(f"/apply/{open_intake.token}/")
    check()
