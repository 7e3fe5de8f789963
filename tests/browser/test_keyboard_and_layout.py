"""Keyboard, zoom, print, motion: PeerPact without a mouse and beyond the default screen.

- Keyboard-only journeys: every step is a key press (Tab, Shift+Tab, Enter, Space, arrows) or typing,
  never a click. `tab_to` presses Tab until the wanted control has focus, so reaching a control proves
  it is in the tab order at a sane distance, and it checks that the focused control shows a visible
  focus indicator. After an htmx swap, focus must land on something meaningful (never <body>) and the
  result must be announced in a live region.
- Reflow: at 400% zoom (a 320x640 CSS px viewport) member pages never scroll sideways; only wide
  tables may scroll, inside their own `.table-wrap`.
- Print: the tracker prints as a clean A4 page: no site chrome or forms, the table and its headers.
- Reduced motion: nothing transitions or animates, swapped-in content included.

Every page visited is checked by `PageWatch` (axe, console errors, CSP violations). The starting
state (a weekly rhythm, alice's check-in) is built through services by `weekly` below.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from conftest import PASSWORD
from tests.browser.conftest import PageWatch, assert_accessible, assert_fits_width, log_in

ZOOM_400 = {"width": 320, "height": 640}  # 1280x2560 at 400% zoom: WCAG 1.4.10 reflow
A4_WIDTH = 794  # 210 mm at 96 CSS px per inch
ALICE_WINS = "Finished the first draft of my thesis chapter"
ALICE_HELP = "Could someone proofread three pages before Friday?"
WINS = "Ran three times this week."
NEXT = "Run three times, one of them long"
COMMENT = "Well done, what a week!"

# What the focused element looks like, for failure messages and the focus-indicator check.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {tag: "body", text: "", indicator: false};
  const drawn = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return outline || (style.boxShadow && style.boxShadow !== "none");
  };
  // A checkbox or radio may have its indicator drawn by its wrapper (:has(input:focus-visible)).
  const wrapper = el.tagName === "INPUT" && el.parentElement;
  const indicator = drawn(el) || (wrapper ? drawn(wrapper) : false);
  const text = (el.getAttribute("aria-label") || el.innerText || el.value || el.name || "").trim();
  return {tag: el.tagName.toLowerCase(), text: text.slice(0, 40), indicator: !!indicator};
}"""


def focused(page: Page) -> dict[str, Any]:
    return page.evaluate(_FOCUSED)


def tab_to(
    page: Page,
    target: Locator | str,
    *,
    role: Any = None,
    backwards: bool = False,
    limit: int = 40,
) -> Locator:
    """Press Tab (Shift+Tab if `backwards`) until `target` has focus; fail after `limit` presses, or
    if focus runs off the end of the page first (the target is not ahead in the tab order).

    `target` is a locator, or an accessible name: of a control with `role`, or of a labelled field.
    The focused control must show a visible focus indicator (an outline or a box-shadow).
    """
    if isinstance(target, str):
        target = page.get_by_role(role, name=target) if role else page.get_by_label(target)
    key = "Shift+Tab" if backwards else "Tab"
    trail: list[str] = []
    for _press in range(limit):
        page.keyboard.press(key)
        if target.evaluate_all("(els) => els.includes(document.activeElement)"):
            state = focused(page)
            assert state["indicator"], f"{state['tag']} “{state['text']}” has focus but no visible indicator"
            return target
        state = focused(page)
        trail.append(f"{state['tag']} “{state['text']}”")
        if state["tag"] == "body":
            break
    raise AssertionError(
        f"{len(trail)} presses of {key} on {page.url} never reached {target}; focus went: "
        + " → ".join(trail)
    )


# Elements that stick out past the viewport's right edge, outermost first (skipping ones inside a
# container that scrolls on its own, like .table-wrap).
_STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    const scrolls = ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
    // Text may overflow its own box.
    const right = scrolls ? box.right : box.left + Math.max(box.width, el.scrollWidth);
    if (right <= width + 0.5 || box.width === 0) continue;
    let inScroller = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(up).overflowX)) { inScroller = true; break; }
    }
    // An absolutely positioned element escapes a scroller that is not its containing block.
    if (inScroller && !["absolute", "fixed"].includes(getComputedStyle(el).position)) continue;
    if (out.some((outer) => outer.contains(el) && outer !== el.parentElement)) continue;
    out.push(el);
  }
  const name = (el) => `${el.tagName.toLowerCase()}.${el.className}`;
  return out.slice(0, 8).map((el) => `${name(el)} (${Math.round(el.getBoundingClientRect().right)}px)`);
}"""


def assert_reflows(page: Page) -> None:
    """`assert_fits_width`, naming what sticks out when it fails."""
    try:
        assert_fits_width(page)
    except AssertionError as failure:
        raise AssertionError(f"{failure}; sticking out: {page.evaluate(_STICKING_OUT)}") from None


def keyboard_log_in(page: Page, check: PageWatch, *, email: str, name: str) -> None:
    """Sign in with the keyboard alone, from the top of the login page."""
    page.goto("/accounts/login/")
    check()
    tab_to(page, "Email")
    page.keyboard.type(email)
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "Sign In", role="button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    check()


def follow(page: Page, check: PageWatch, link: Locator, heading: str | re.Pattern[str]) -> None:
    """Tab to a link, press Enter, and check the page it opens."""
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check()


@pytest.fixture
def weekly(circle: Any, alice: Any, bob: Any) -> Any:
    """A weekly rhythm with cycle 1 open, and alice's check-in in it."""
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.models import Cycle
    from peerpact.checkins.services import CheckinAnswers, RhythmSpec
    from peerpact.circles.models import Membership

    now = timezone.now()
    checkin_services.rhythm_set(
        circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=now - timedelta(hours=1)
    )
    checkin_services.cycles_ensure(circle=circle, now=now)
    checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=alice),
        cycle=Cycle.objects.get(circle=circle, index=1),
        actor=alice,
        answers=CheckinAnswers(wins=ALICE_WINS, help_request=ALICE_HELP),
        expected_version=None,
    )
    return circle


def keyboard_to_circle(page: Page, person: Any, name: str, circle: Any) -> PageWatch:
    """Sign in and open `circle` from the home page's "My circles", by keyboard; the page watch."""
    check = PageWatch(page)
    keyboard_log_in(page, check, email=person.email, name=name)
    link = page.get_by_role("region", name="My circles").get_by_role("link", name=circle.name)
    follow(page, check, link, circle.name)
    return check


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bob_checks_in_and_cheers_alice_with_the_keyboard_alone(page: Page, weekly: Any, bob: Any) -> None:
    from peerpact.checkins.models import Checkin
    from peerpact.feedback.models import Comment, HelpOffer, Kudos

    circle = weekly
    # (a) Home → his circle → the board → this week's check-in, by Tab and Enter.
    check = keyboard_to_circle(page, bob, "Bob", circle)
    board_link = page.get_by_role("navigation", name="Circle").get_by_role("link", name="Board")
    follow(page, check, board_link, f"{circle.name} board")
    follow(
        page, check, page.locator(".page-header").get_by_role("link", name="Check in"), "Check in · cycle 1"
    )

    tab_to(page, "Wins")
    page.keyboard.type(WINS)
    # The draft autosave swaps its status in while he types: focus stays in the field.
    expect(page.locator("#draft-status")).to_contain_text(re.compile(r"Draft saved at \d\d:\d\d"))
    expect(page.get_by_label("Wins")).to_be_focused()
    check()
    confidence = page.get_by_role("group", name="How confident are you about the next cycle?")
    # A radio group is one tab stop; the arrow keys choose within it.
    tab_to(page, confidence.get_by_role("radio"))
    page.keyboard.press("Space")
    for _step in range(3):
        page.keyboard.press("ArrowRight")
    expect(confidence.get_by_label("4", exact=True)).to_be_checked()
    expect(confidence.get_by_label("4", exact=True)).to_be_focused()
    tab_to(page, "Commitment 1")
    page.keyboard.type(NEXT)
    # Back up one field and forward again: Shift+Tab walks the same order in reverse.
    tab_to(page, confidence.get_by_label("4", exact=True), backwards=True)
    tab_to(page, "Submit check-in", role="button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"{circle.name} board")
    expect(page.locator("#messages")).to_contain_text("Check-in saved. Thank you!")
    check()
    checkin = Checkin.objects.get(membership__user=bob, cycle__circle=circle)
    assert checkin.is_submitted and checkin.confidence == 4 and checkin.wins == WINS

    # (b) On the board he offers alice help: the list is swapped, focus lands on what changed (his
    # offer), and the status region announces it.
    requests = page.get_by_role("region", name="Open help requests")
    tab_to(page, "How you can help Alice (optional)")
    page.keyboard.type("I proofread for a living.")
    tab_to(page, "I can help Alice", role="button")
    page.keyboard.press("Enter")
    offered = requests.get_by_text("You offered to help")
    expect(offered).to_be_focused()
    assert focused(page)["indicator"], "the offer has focus but no visible indicator"
    expect(page.locator("#messages[role=status]")).to_contain_text("Alice will hear that you can help")
    check()

    # He opens alice's update and gives kudos: the htmx swap keeps focus on the pressed button
    # and the status region announces it.
    alice_card = page.get_by_role("article", name=re.compile(r"^Alice"))
    follow(page, check, alice_card.get_by_role("link", name="Full update"), re.compile(r"^Alice · cycle 1"))
    kudos = page.get_by_role("region", name="Kudos")
    applause = kudos.get_by_role("button", name=re.compile(r"^Applause"))
    expect(applause).to_have_attribute("aria-pressed", "false")
    tab_to(page, applause)
    page.keyboard.press("Space")
    expect(applause).to_have_attribute("aria-pressed", "true")
    expect(applause).to_be_focused()
    assert focused(page)["indicator"], "the kudos button lost its focus indicator after the swap"
    # Taking focus did not take the button out of the tab order: back one stop, and Tab returns to it.
    page.keyboard.press("Shift+Tab")
    tab_to(page, applause, limit=2)
    expect(page.locator("#messages[role=status]")).to_contain_text("Kudos given.")
    check()

    # A comment: the thread is swapped in, focus moves to its heading (not <body>), the comment is
    # there, the status says so, and Tab goes on from the thread.
    tab_to(page, "Your comment")
    page.keyboard.type(COMMENT)
    tab_to(page, "Post comment", role="button")
    page.keyboard.press("Enter")
    comments = page.get_by_role("region", name=re.compile(r"^Comments"))
    expect(comments.get_by_role("listitem")).to_contain_text(COMMENT)
    expect(comments.get_by_role("heading", level=2)).to_be_focused()
    assert focused(page)["indicator"], "the comments heading has focus but no visible indicator"
    expect(page.locator("#messages[role=status]")).to_contain_text("Comment posted.")
    check()
    page.keyboard.press("Tab")
    in_thread = page.evaluate("document.getElementById('comments').contains(document.activeElement)")
    assert in_thread, f"Tab from the comments heading left the thread: {focused(page)}"

    assert HelpOffer.objects.get().helper == bob
    assert Kudos.objects.get().reaction == "clap"
    assert Comment.objects.get().body == COMMENT


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_alice_sets_the_schedule_with_the_keyboard_alone(page: Page, circle: Any, alice: Any) -> None:
    from peerpact.checkins.models import Rhythm

    check = keyboard_to_circle(page, alice, "Alice", circle)
    schedule = page.get_by_role("navigation", name="Circle").get_by_role("link", name="Schedule")
    follow(page, check, schedule, f"{circle.name} schedule")

    editor = page.get_by_role("region", name="Set the schedule")
    preview = page.locator("#rhythm-preview")
    # Radios: one tab stop, arrows move the choice (and fire the preview's change).
    how_often = editor.get_by_role("group", name="How often are updates due?")
    tab_to(page, how_often.get_by_role("radio", name="Every week, on one day"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    chosen = how_often.get_by_role("radio", name="Every week, on the weekdays I choose")
    expect(chosen).to_be_checked()
    # The preview swapped in and was announced (aria-live), and focus stayed on the radio.
    expect(preview.get_by_role("heading")).to_have_text("Preview: the next five deadlines")
    expect(preview).to_have_attribute("aria-live", "polite")
    expect(chosen).to_be_focused()

    # Checkboxes: Space toggles; Friday is already chosen, Tuesday joins it.
    weekdays = editor.get_by_role("group", name="On which weekdays?")
    tab_to(page, weekdays.get_by_role("checkbox", name="Tuesday"))
    page.keyboard.press("Space")
    expect(weekdays.get_by_role("checkbox", name="Tuesday")).to_be_checked()
    expect(preview.get_by_role("listitem").first).to_contain_text(re.compile(r"^(Tuesday|Friday) "))
    expect(weekdays.get_by_role("checkbox", name="Tuesday")).to_be_focused()

    # A time field: ArrowUp on its hour moves 18:00 to 19:00, whatever the locale's clock.
    tab_to(page, "Deadline time")
    page.keyboard.press("ArrowUp")
    expect(editor.get_by_label("Deadline time")).to_have_value("19:00")
    tab_to(page, "Grace period (hours)")
    page.keyboard.press("Control+a")
    page.keyboard.type("12")

    # A select: arrows change it without opening it.
    tab_to(page, "Review session day")
    page.keyboard.press("ArrowDown")
    expect(editor.get_by_label("Review session day")).to_have_value("MO")
    tab_to(page, "Place or video link")
    page.keyboard.type("Library, room 2")
    check()
    tab_to(page, "Save schedule", role="button")
    page.keyboard.press("Enter")

    expect(page.locator("#messages")).to_contain_text("Schedule set. The first cycle has started.")
    summary = page.get_by_role("region", name="When updates are due")
    expect(summary).to_contain_text("19:00")
    expect(summary).to_contain_text("Library, room 2")
    check()
    rhythm = Rhythm.objects.get(circle=circle)
    assert rhythm.preset == "weekdays" and "TU" in rhythm.deadline_rule and "FR" in rhythm.deadline_rule
    assert (rhythm.deadline_time.hour, rhythm.grace_hours, rhythm.review_rule) == (
        19,
        12,
        "FREQ=WEEKLY;BYDAY=MO",
    )


@pytest.mark.browser
@pytest.mark.browser_context_args(viewport=ZOOM_400)
@pytest.mark.django_db(transaction=True)
def test_member_pages_reflow_at_400_percent_zoom(page: Page, weekly: Any, bob: Any) -> None:
    from peerpact.circles.models import Membership
    from peerpact.goals import services as goal_services

    circle = weekly
    goal_services.goal_create(
        membership=Membership.objects.get(circle=circle, user=bob), actor=bob, title="Run 100 km", target=100
    )
    base = f"/c/{circle.community.slug}/circles/{circle.slug}"
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    assert_reflows(page)
    for path in [f"{base}/board/", f"{base}/checkin/", f"{base}/goals/", "/profile/", "/notifications/"]:
        page.goto(path)
        check()
        assert_reflows(page)
    # The one wide thing a member meets, the tracker, scrolls inside its own region, not the page.
    page.goto(f"{base}/tracker/")
    check()
    assert_reflows(page)
    for wrap in page.locator(".table-wrap").all():
        expect(wrap).to_have_css("overflow-x", "auto")


@pytest.mark.browser
@pytest.mark.browser_context_args(viewport={"width": A4_WIDTH, "height": 1123})
@pytest.mark.django_db(transaction=True)
def test_the_tracker_prints_as_a_clean_a4_page(page: Page, circle: Any, alice: Any, bob: Any) -> None:
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.services import RhythmSpec

    now = timezone.now()
    checkin_services.rhythm_set(
        circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=now - timedelta(weeks=14)
    )
    checkin_services.cycles_ensure(circle=circle, now=now)
    check = PageWatch(page)
    log_in(page, check, email=alice.email, name="Alice")
    page.goto(f"/c/{circle.community.slug}/circles/{circle.slug}/tracker/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{circle.name} tracker")
    check()

    page.emulate_media(media="print")
    for chrome in [".site-header", ".site-footer", "nav", "form", ".skip-link", ".breadcrumbs"]:
        for element in page.locator(chrome).all():
            expect(element).to_be_hidden()
    table = page.get_by_role("table")
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Member")).to_be_visible()
    expect(table.get_by_role("columnheader", name=re.compile(r"^Cycle 15 "))).to_be_visible()
    expect(table.get_by_role("rowheader", name="Bob")).to_be_visible()
    assert table.get_by_role("columnheader").count() == 15  # member, the default 12 cycles, two streaks
    assert_reflows(page)
    table_right = table.evaluate("(t) => t.getBoundingClientRect().right")
    assert table_right <= A4_WIDTH, (
        f"the printed tracker is {table_right}px wide, more than A4's {A4_WIDTH}px"
    )
    # It fits by wrapping between words, never by cutting one or spilling out of its cell.
    spilling = table.evaluate(
        "(t) => [...t.querySelectorAll('th, td')]"
        ".filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.innerText)"
    )
    assert not spilling, f"cells too narrow for their words: {spilling}"


_MOTION = """(el) => {
  const style = getComputedStyle(el);
  return [style.transitionDuration, style.animationDuration, style.animationName];
}"""


@pytest.mark.browser
@pytest.mark.browser_context_args(reduced_motion="reduce")
@pytest.mark.django_db(transaction=True)
def test_reduced_motion_stops_transitions_and_animations(page: Page, weekly: Any, bob: Any) -> None:
    circle = weekly
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    page.goto(f"/c/{circle.community.slug}/circles/{circle.slug}/board/")
    check()
    for button in [
        page.locator(".page-header").get_by_role("link", name="Check in"),  # a.button
        page.get_by_role("button", name="Switch"),  # the footer's language switcher
    ]:
        assert button.evaluate(_MOTION) == ["0s", "0s", "none"]
    assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"

    # Swapped-in content: watch every element htmx adds while it is still .htmx-added / settling.
    page.get_by_role("article", name=re.compile(r"^Alice")).get_by_role("link", name="Full update").click()
    check()
    page.evaluate("""() => {
      window.__motion = [];
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) {
          for (const el of [n, ...n.querySelectorAll('*')]) {
            const s = getComputedStyle(el);
            window.__motion.push([el.tagName, s.transitionDuration, s.animationDuration]);
          }
        }
      }).observe(document.body, {childList: true, subtree: true});
    }""")
    page.get_by_role("region", name="Kudos").get_by_role("button", name=re.compile(r"^Applause")).click()
    expect(page.locator("#messages")).to_contain_text("Kudos given.")
    check()
    swapped = page.evaluate("window.__motion")
    assert swapped, "the kudos swap added no elements"
    moving = [entry for entry in swapped if entry[1] != "0s" or entry[2] != "0s"]
    assert not moving, f"swapped-in elements still move: {moving}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_checks_touch_targets(page: Page) -> None:
    """The shared axe check runs target-size (off by default in axe-core): a 10 px button fails it."""
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.evaluate("""() => {
      for (const text of ["a", "b"]) {
        const tiny = document.createElement("button");
        tiny.textContent = text;
        tiny.style.cssText = "min-height: 0; width: 10px; height: 10px; padding: 0; font-size: 6px";
        document.querySelector("main").prepend(tiny);
      }
    }""")
    with pytest.raises(AssertionError, match="target-size"):
        assert_accessible(page)
