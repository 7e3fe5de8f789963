"""A week in a circle, in a real browser: the facilitator sets the schedule, a member sets a goal
and checks in from his phone, and the facilitator reads the board and downloads the tracker.

Every page on the way is checked by `PageWatch` (axe, console errors, CSP violations), and every
page on the phone must reflow to its width. The starting state (a community, and a circle with
alice facilitating and bob a member) is built through services by the root conftest's personas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, assert_fits_width, log_in

PHONE = {"width": 360, "height": 740}
WINS = "Ran three times this week, 21 km in all."
HELP = "Does anyone know a good stretching routine for tight calves?"
NEXT = "Run three times, one of them a long run"
UTF8_BOM = b"\xef\xbb\xbf"


@pytest.mark.browser
@pytest.mark.browser_context_args(timezone_id="Europe/Madrid")
@pytest.mark.django_db(transaction=True)
def test_a_member_runs_a_weekly_loop_from_his_phone_and_the_facilitator_tracks_it(
    page: Page, another_person: Callable[..., Page], circle: Any, alice: Any, bob: Any
) -> None:
    from peerpact.checkins.models import Checkin

    # 1. Alice, on her desktop, sets the circle's rhythm: every Friday at 18:00.
    desk = page
    alice_check = PageWatch(desk)
    log_in(desk, alice_check, email=alice.email, name="Alice")
    alice_check()
    circles = desk.get_by_role("region", name="My circles")
    circles.get_by_role("link", name=circle.name).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(circle.name)
    alice_check()
    desk.get_by_role("navigation", name="Circle").get_by_role("link", name="Schedule").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{circle.name} schedule")
    expect(desk.get_by_role("region", name="No schedule yet")).to_be_visible()
    alice_check()

    editor = desk.get_by_role("region", name="Set the schedule")
    preview = desk.locator("#rhythm-preview")
    expect(preview).to_contain_text("Choose “Preview” to see the next five deadlines")
    editor.get_by_label("Every week, on one day").check()
    friday = editor.get_by_role("group", name="On which weekdays?").get_by_label("Friday")
    friday.check()
    editor.get_by_label("Deadline time").fill("18:00")
    editor.get_by_label("Grace period (hours)").fill("24")
    editor.get_by_label("Review session day").select_option(label="Monday")
    editor.get_by_label("Review session time").fill("19:00")
    editor.get_by_label("Place or video link").fill("Library, room 2")
    # htmx swapped the preview in on a change, without saving anything.
    expect(preview.get_by_role("heading")).to_have_text("Preview: the next five deadlines")
    deadlines = preview.get_by_role("listitem")
    expect(deadlines).to_have_count(5)
    for item in deadlines.all():
        expect(item).to_contain_text(re.compile(r"^Friday .*18:00"))
    expect(preview).to_contain_text("Not saved yet.")
    alice_check()
    editor.get_by_role("button", name="Save schedule").click()

    expect(desk.get_by_role("status")).to_contain_text("Schedule set. The first cycle has started.")
    summary = desk.get_by_role("region", name="When updates are due")
    expect(summary).to_contain_text("Every Friday at 18:00")
    expect(summary).to_contain_text("Every Monday at 19:00, for 45 minutes")
    expect(summary).to_contain_text("Library, room 2")
    expect(desk.get_by_role("region", name="Coming up").get_by_role("listitem")).to_have_count(10)
    alice_check()

    # 2. Bob, on his phone in New York, does his week's loop: goal, check-in, board.
    phone = another_person(viewport=PHONE, timezone_id="America/New_York")
    bob_check = PageWatch(phone)
    # Count the pages bob has to load: the loop must stay a handful of steps (never timed: tests assert
    # behaviour, not wall-clock figures).
    bob_pages: list[str] = []
    phone.on(
        "framenavigated", lambda frame: bob_pages.append(frame.url) if frame == phone.main_frame else None
    )

    def check_bob() -> None:
        bob_check()
        assert_fits_width(phone)

    log_in(phone, bob_check, email=bob.email, name="Bob")
    check_bob()
    due = phone.get_by_role("region", name="Due now")
    item = due.get_by_role("listitem").filter(has_text=circle.name)
    # His state is an icon and a word; the deadline is in his own zone, with the time left.
    expect(item).to_contain_text(re.compile(rf"{circle.name}\s+…\s+Due\s"))
    expect(item).to_contain_text(re.compile(r"Due Friday \d+ \w+, \d\d:00 \(E[SD]T\) · .+ left"))
    expect(item.locator("time")).to_have_attribute("datetime", re.compile(r"T1[34]:00:00-0[45]:00$"))
    expect(item.get_by_role("link", name=f"Check in — {circle.name}")).to_be_visible()

    phone.get_by_role("region", name="My circles").get_by_role("link", name=circle.name).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(circle.name)
    check_bob()
    phone.get_by_role("navigation", name="Circle").get_by_role("link", name="Goals").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Goals in {circle.name}")
    check_bob()
    phone.get_by_role("link", name="Set your first goal").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Set a goal")
    check_bob()
    phone.get_by_label("Goal:", exact=True).fill("Run 100 km")
    phone.get_by_label("Increase to the target").check()
    phone.get_by_label("Unit").fill("km")
    phone.get_by_label("Starting value").fill("0")
    phone.get_by_label("Target:", exact=True).fill("100")
    phone.get_by_role("button", name="Set goal").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Run 100 km")
    expect(phone.get_by_role("status")).to_contain_text("Goal set.")
    check_bob()

    phone.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello, Bob")
    check_bob()
    phone.get_by_role("region", name="Due now").get_by_role("link", name=f"Check in — {circle.name}").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check in · cycle 1")
    check_bob()

    # What he types is kept as a draft while he writes, and survives a reload.
    phone.get_by_label("Wins").fill(WINS)
    draft_status = phone.locator("form").get_by_role("status")
    expect(draft_status).to_contain_text(re.compile(r"Draft saved at \d\d:\d\d"))
    bob_check()
    phone.reload()
    expect(phone.get_by_text("We restored the draft you were writing.")).to_be_visible()
    expect(phone.get_by_label("Wins")).to_have_value(WINS)
    check_bob()

    phone.get_by_label("Run 100 km (km)").fill("21")
    phone.get_by_label("Ask for help (optional)").fill(HELP)
    confidence = phone.get_by_role("group", name="How confident are you about the next cycle?")
    confidence.get_by_label("4", exact=True).check()
    phone.get_by_label("Commitment 1").fill(NEXT)
    phone.get_by_label("For goal").first.select_option(label="Run 100 km")
    phone.get_by_role("button", name="Submit check-in").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(f"{circle.name} board")
    expect(phone.get_by_role("status")).to_contain_text("Check-in saved. Thank you!")
    card = phone.get_by_role("article", name=re.compile(r"^Bob"))
    expect(card.get_by_role("heading", level=3)).to_have_text(re.compile(r"Bob\s+✓\s+On time"))
    expect(card).to_contain_text(WINS)
    expect(card).to_contain_text("Confidence 4/5")
    expect(card).to_contain_text(NEXT)
    expect(phone.get_by_role("region", name="Open help requests")).to_contain_text(HELP)
    check_bob()
    loop_pages = len(bob_pages)

    checkin = Checkin.objects.get(membership__user=bob, cycle__circle=circle)
    assert checkin.is_submitted and checkin.confidence == 4 and checkin.wins == WINS

    # 3. Alice reads Bob's update on the board and downloads the tracker.
    desk.get_by_role("navigation", name="Circle").get_by_role("link", name="Board").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{circle.name} board")
    bob_card = desk.get_by_role("article", name=re.compile(r"^Bob"))
    expect(bob_card).to_contain_text("On time")
    expect(bob_card).to_contain_text(WINS)
    expect(bob_card).to_contain_text(NEXT)
    expect(desk.get_by_role("region", name="Open help requests")).to_contain_text(HELP)
    alice_check()

    desk.get_by_role("navigation", name="Circle").get_by_role("link", name="Tracker").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{circle.name} tracker")
    bob_row = desk.get_by_role("row").filter(has=desk.get_by_role("rowheader", name="Bob"))
    expect(bob_row).to_contain_text(re.compile(r"✓\s+On time"))
    alice_check()
    with desk.expect_download() as download_info:
        desk.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{circle.slug}-tracker-")
    with open(download.path(), "rb") as saved:
        content = saved.read()
    assert content.startswith(UTF8_BOM)
    header, *lines = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    assert header[:4] == ["Circle", "Member", "Email", "Cycle"] and "State" in header
    rows = [dict(zip(header, line, strict=True)) for line in lines]
    bobs = [row for row in rows if row["Member"] == "Bob"]
    assert [(row["Cycle"], row["State"]) for row in bobs] == [("1", "on_time")]
    assert bobs[0]["Email"] == bob.email  # alice facilitates, so she sees addresses
    # Downloading does not navigate: the tracker is still the page alice is on.
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{circle.name} tracker")
    alice_check()

    # The whole loop on the phone — log in, set a goal, check in (with a draft and a reload), see the
    # board — takes a dozen page loads at most.
    assert loop_pages <= 12, f"Bob's weekly loop took {loop_pages} page loads: {bob_pages}"
