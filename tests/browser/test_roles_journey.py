"""Roles in a real browser: bob asks alice to take his role (htmx), she accepts, then writes and
publishes the cycle summary from the draft. Every page and swap is checked by `PageWatch` (axe,
console errors, CSP)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_role_changes_hands_and_the_summary_is_published(
    page: Page, another_person: Callable[..., Page], circle: Any, alice: Any, bob: Any
) -> None:
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.services import RhythmSpec
    from peerpact.roles.models import CycleSummary, RoleAssignment

    checkin_services.rhythm_set(circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]))
    roles = f"/c/{circle.community.slug}/circles/{circle.slug}/roles/"

    # 1. Bob opens the roles page (roles are handed out), and asks alice to take his role.
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    page.goto(roles)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Roles in {circle.name}")
    check()
    mine = RoleAssignment.objects.select_related("role").get(membership__user=bob)
    page.get_by_label("Message (optional)").fill("Away on Monday, sorry!")
    page.get_by_role("button", name=f"Ask to swap — {mine.role.name}").click()
    expect(page.locator("#roles-live")).to_contain_text(f"Bob asks Alice to take {mine.role.name}")
    check()

    # 2. Alice accepts from her roles page; the role is hers, with who handed it over.
    hers = another_person()
    check_alice = PageWatch(hers)
    log_in(hers, check_alice, email=alice.email, name="Alice")
    hers.goto(roles)
    check_alice()
    hers.get_by_role("button", name=f"Accept — {mine.role.name}").click()
    expect(hers.locator("#roles-live")).to_contain_text("took over from Bob")
    check_alice()

    # 3. As facilitator she writes the cycle summary from the draft and publishes it.
    hers.goto(f"{roles}summaries/1/edit/")
    expect(hers.get_by_label("Summary")).to_contain_text("members checked in")
    check_alice()
    hers.get_by_label("Summary").fill("A calm first week. Everyone set a goal.")
    hers.get_by_role("button", name="Save draft").click()
    expect(hers.locator("#summary-status")).to_contain_text("Draft saved")
    check_alice()
    hers.get_by_role("button", name="Publish to the circle").click()
    expect(hers.get_by_role("heading", level=1)).to_have_text("Cycle 1 summary")
    expect(hers.get_by_text("A calm first week.")).to_be_visible()
    check_alice()
    assert CycleSummary.objects.get().is_published
