"""Support in a circle, in a real browser: bob offers help on alice's request from the board, gives
her guided feedback and cheers her win; alice marks the feedback helpful and resolves her request.

Every page on the way, and every htmx swap, is checked by `PageWatch` (axe, console errors, CSP).
The starting state (a weekly rhythm and alice's check-in asking for help) is built through services.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, log_in

WIN = "Finished the first draft of my thesis chapter"
HELP = "Could someone proofread three pages before Friday?"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bob_supports_alice_and_she_closes_the_loop(
    page: Page, another_person: Callable[..., Page], circle: Any, alice: Any, bob: Any
) -> None:
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.models import Cycle
    from peerpact.checkins.services import CheckinAnswers, RhythmSpec
    from peerpact.circles.models import Membership
    from peerpact.feedback.models import Feedback, HelpOffer, HelpResolution, Kudos

    checkin_services.rhythm_set(
        circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=timezone.now() - timedelta(hours=1)
    )
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=alice),
        cycle=Cycle.objects.get(circle=circle, index=1),
        actor=alice,
        answers=CheckinAnswers(wins=WIN, help_request=HELP),
        expected_version=None,
    )
    board = f"/c/{circle.community.slug}/circles/{circle.slug}/board/"

    # 1. Bob sees alice's request on the board and offers help right there (htmx swaps the list).
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    page.goto(board)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{circle.name} board")
    check()
    requests = page.get_by_role("region", name="Open help requests")
    expect(requests).to_contain_text(HELP)
    requests.get_by_label("How you can help Alice (optional)").fill("I proofread for a living, send it.")
    requests.get_by_role("button", name="I can help Alice").click()
    expect(requests).to_contain_text("You offered to help")
    expect(requests).to_contain_text("1 offer of help")
    expect(page.get_by_role("status")).to_contain_text("Alice will hear that you can help")
    check()

    # 2. He opens her update and gives guided feedback, with the guide at hand.
    requests.get_by_role("link", name="Alice's update").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Alice · cycle 1"))
    check()
    feedback = page.get_by_role("region", name="Feedback")
    feedback.get_by_text("How to give feedback that helps").click()
    expect(feedback.get_by_text("One suggestion at a time.")).to_be_visible()
    feedback.get_by_label("What worked").fill("You set a clear target for the week and hit it.")
    feedback.get_by_label("One suggestion").fill("Block the Friday morning for the next chapter.")
    feedback.get_by_role("button", name="Send feedback").click()
    expect(feedback.get_by_role("article")).to_contain_text("You set a clear target")
    expect(page.get_by_role("status")).to_contain_text("Feedback sent. Thank you!")
    check()

    # 3. From the board he goes to the wins feed and cheers her win.
    page.goto(board)
    check()
    page.get_by_role("link", name="See all wins and cheer them on").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Wins in {circle.name}")
    check()
    win = page.get_by_role("listitem").filter(has_text=WIN)
    applause = win.get_by_role("button", name=re.compile(r"^Applause"))
    expect(applause).to_have_attribute("aria-pressed", "false")
    applause.click()
    expect(win.get_by_role("button", name=re.compile(r"^Applause"))).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status")).to_contain_text("Kudos given.")
    check()

    # 4. Alice reads the feedback, marks it helpful and resolves her help request.
    desk = another_person()
    alice_check = PageWatch(desk)
    log_in(desk, alice_check, email=alice.email, name="Alice")
    desk.goto(board)
    alice_check()
    desk.get_by_role("region", name="Open help requests").get_by_role("link", name="Alice's update").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Alice · cycle 1"))
    alice_check()
    help_section = desk.get_by_role("region", name=re.compile(r"^Help request"))
    expect(help_section).to_contain_text("Bob can help: I proofread for a living")
    expect(desk.get_by_role("region", name="Kudos")).to_contain_text("Applause: 1")
    their_feedback = desk.get_by_role("region", name="Feedback")
    their_feedback.get_by_role("button", name="This helped").click()
    expect(their_feedback.get_by_role("article")).to_contain_text("Helpful")
    alice_check()
    help_section.get_by_label("What helped? (optional)").fill("Bob's proofreading")
    help_section.get_by_role("button", name="Mark resolved").click()
    expect(desk.get_by_role("region", name=re.compile(r"^Help request"))).to_contain_text("Resolved on")
    alice_check()
    desk.goto(board)
    expect(desk.get_by_role("region", name="Open help requests")).to_contain_text("No open help requests")
    alice_check()

    assert HelpOffer.objects.get().helper == bob
    assert Feedback.objects.get().helpful_at is not None
    assert Kudos.objects.get().reaction == "clap"
    assert HelpResolution.objects.get().note == "Bob's proofreading"
