"""Safety and engagement in a real browser.

1. Safety: bob reports alice's check-in; otto (organizer) hides it from the moderation queue and sees
   the audit trail; bob then sees "Hidden by a moderator" on the board. Bob raises a private concern
   with the facilitator (alice), who acknowledges and replies; bob follows the timeline. Bob blocks
   dave (seated in the same circle) and unblocks him.
2. Engagement: a pulse is open after the latest finished cycle; dave and bob answer in the browser,
   alice through services; the results appear only as totals once three have answered. Alice reads the
   circle's health label with its reasons; otto reads the community's health overview.

Every page on the way, for every person, is checked by `PageWatch` (axe, console errors, CSP).
The starting state is built through services.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import seat
from tests.browser.conftest import PageWatch, log_in

WIN = "Shipped the onboarding page, and Dave's slides were useless as usual"
CONCERN = "Feedback in the review session feels harsh"


def as_person(another_person: Callable[..., Page], user: Any) -> tuple[Page, PageWatch]:
    """A fresh browser context for `user`, logged in, with its own PageWatch."""
    page = another_person()
    check = PageWatch(page)
    log_in(page, check, email=user.email, name=user.display_name)
    return page, check


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_report_is_moderated_a_concern_is_heard_and_a_block_is_lifted(
    page: Page,
    another_person: Callable[..., Page],
    circle: Any,
    alice: Any,
    bob: Any,
    dave: Any,
    otto: Any,
) -> None:
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.models import Checkin, Cycle
    from peerpact.checkins.services import CheckinAnswers, RhythmSpec
    from peerpact.circles.models import Membership
    from peerpact.safety.models import Block, Concern, ModerationAction

    seat(circle, dave, alice)  # someone bob shares a circle with, so he may block them
    checkin_services.rhythm_set(
        circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=timezone.now() - timedelta(hours=1)
    )
    checkin_services.cycles_ensure(circle=circle, now=timezone.now())
    checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=alice),
        cycle=Cycle.objects.get(circle=circle, index=1),
        actor=alice,
        answers=CheckinAnswers(wins=WIN),
        expected_version=None,
    )
    community = f"/c/{circle.community.slug}/"
    circle_page = f"{community}circles/{circle.slug}/"
    board = f"{circle_page}board/"

    # 1. Bob opens alice's update from the board and reports it; htmx answers in place.
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    page.goto(board)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{circle.name} board")
    check()
    alices_card = page.get_by_role("article", name=re.compile(r"^Alice"))
    expect(alices_card).to_contain_text(WIN)
    alices_card.get_by_role("link", name="Full update").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Alice · cycle 1"))
    check()
    page.get_by_text("Report this check-in").click()
    page.get_by_label("What is wrong?").select_option(label="Harassment or bullying")
    page.get_by_label("Anything the organizers should know (optional)").fill("It mocks Dave by name.")
    page.get_by_role("button", name="Send to the organizers").click()
    expect(page.get_by_role("status").filter(has_text="Thank you.")).to_contain_text(
        "The organizers will look at it; nobody else sees your report."
    )
    check()

    # 2. Otto finds the open report from the community page, hides the check-in with a note.
    desk, otto_check = as_person(another_person, otto)
    desk.goto(community)
    otto_check()
    desk.get_by_role("link", name=re.compile(r"^Moderation.*1 open report")).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    otto_check()
    item = desk.get_by_role("listitem").filter(has_text=f"A check-in in {circle.name}")
    expect(item).to_contain_text("1 report")
    expect(item).to_contain_text("Harassment or bullying")
    item.get_by_role("link", name="Review and act").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Moderate a check-in")
    otto_check()
    reports = desk.get_by_role("region", name="Reports")
    expect(reports).to_contain_text("Harassment or bullying · Bob")
    expect(reports).to_contain_text("It mocks Dave by name.")
    act = desk.get_by_role("form", name="Act")
    act.get_by_role("group", name="Action").get_by_label("Hidden").check()
    act.get_by_label("Note for the audit trail").fill("Names a member unkindly; hidden until edited.")
    act.get_by_role("button", name="Apply").click()
    expect(desk.get_by_role("status")).to_contain_text("Done: hidden. It is in the audit trail.")
    expect(desk.get_by_text("Hidden by a moderator", exact=True)).to_be_visible()
    expect(desk.get_by_role("region", name="Reports")).to_contain_text("Acted on")
    expect(desk.get_by_role("region", name="What was done so far")).to_contain_text("Names a member unkindly")
    otto_check()
    desk.get_by_role("link", name="Back to the queue").click()
    expect(desk.get_by_text("No open reports. Nothing needs your attention.")).to_be_visible()
    otto_check()
    desk.get_by_role("link", name="Audit trail").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Moderation audit trail")
    trail = desk.get_by_role("region", name="Moderation actions")
    row = trail.get_by_role("row").filter(has_text="Names a member unkindly")
    expect(row).to_contain_text("Hidden")
    expect(row).to_contain_text("Otto")
    expect(row).to_contain_text(f"{circle.name} · Alice")
    otto_check()

    # 3. Bob's board now shows the placeholder instead of alice's words.
    page.goto(board)
    alices_card = page.get_by_role("article", name=re.compile(r"^Alice"))
    expect(alices_card).to_contain_text("Hidden by a moderator.")
    expect(alices_card).not_to_contain_text(WIN)
    check()

    # 4. Bob raises a private concern with the facilitator from the circle page.
    page.goto(circle_page)
    check()
    page.get_by_role("link", name="Raise a concern privately").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Raise a concern")
    check()
    page.get_by_role("group", name="Who should handle it?").get_by_label(
        "The circle's facilitator(s)"
    ).check()
    page.get_by_label("Subject").fill(CONCERN)
    page.get_by_label("What is going on?").fill("Last week two comments left me close to quitting.")
    page.get_by_role("button", name="Send privately").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CONCERN)
    expect(page.get_by_role("status")).to_contain_text("Your concern was sent.")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Bob raised the concern")
    check()

    # 5. Alice finds it in her inbox, acknowledges it and replies.
    hers, alice_check = as_person(another_person, alice)
    hers.goto("/profile/")
    alice_check()
    hers.get_by_role("navigation", name="Safety").get_by_role("link", name="Concerns addressed to me").click()
    expect(hers.get_by_role("heading", level=1)).to_have_text("Concerns addressed to me")
    inbox_row = hers.get_by_role("listitem").filter(has_text=CONCERN)
    expect(inbox_row).to_contain_text("from Bob")
    expect(inbox_row).to_contain_text("Raised")
    alice_check()
    inbox_row.get_by_role("link", name=CONCERN).click()
    expect(hers.get_by_role("heading", level=1)).to_have_text(CONCERN)
    expect(hers.get_by_text("Last week two comments left me close to quitting.")).to_be_visible()
    alice_check()
    hers.get_by_role("button", name="Acknowledge").click()
    expect(hers.get_by_role("status")).to_contain_text("Saved. The other side is told.")
    expect(hers.get_by_role("region", name="Timeline")).to_contain_text("Alice acknowledged it")
    alice_check()
    hers.get_by_label("Message").fill("Thank you for telling me. Can we talk on Thursday?")
    hers.get_by_role("button", name="Send reply").click()
    expect(hers.get_by_role("region", name="Timeline")).to_contain_text("Can we talk on Thursday?")
    alice_check()

    # 6. Bob follows the timeline from his own list.
    page.goto("/safety/concerns/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My concerns")
    mine = page.get_by_role("listitem").filter(has_text=CONCERN)
    expect(mine).to_contain_text("Acknowledged")
    check()
    mine.get_by_role("link", name=CONCERN).click()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("listitem")).to_have_count(3)
    expect(timeline.get_by_role("listitem").nth(0)).to_contain_text("Bob raised the concern")
    expect(timeline.get_by_role("listitem").nth(1)).to_contain_text("Alice acknowledged it")
    expect(timeline.get_by_role("listitem").nth(2)).to_contain_text("Alice replied")
    expect(timeline.get_by_role("listitem").nth(2)).to_contain_text("Can we talk on Thursday?")
    check()

    # 7. Bob blocks dave from the blocks page, then unblocks him.
    page.goto(circle_page)
    check()
    page.get_by_role("link", name="People you blocked").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People you blocked")
    expect(page.get_by_text("You have not blocked anyone.")).to_be_visible()
    check()
    page.get_by_label("Person").select_option(label="Dave")
    page.get_by_role("button", name="Block", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("You blocked Dave.")
    blocked = page.get_by_role("region", name="Blocked")
    expect(blocked).to_contain_text("Dave")
    check()
    blocked.get_by_role("button", name="Unblock — Dave").click()
    expect(page.get_by_role("status")).to_contain_text("You unblocked Dave.")
    expect(page.get_by_text("You have not blocked anyone.")).to_be_visible()
    check()

    checkin = Checkin.objects.get(membership__user=alice)
    assert checkin.moderation_state == "hidden"
    assert ModerationAction.objects.get().note.startswith("Names a member unkindly")
    assert Concern.objects.get().state == "acknowledged"
    assert not Block.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_pulse_is_answered_and_circle_health_explains_itself(
    page: Page,
    another_person: Callable[..., Page],
    circle: Any,
    alice: Any,
    bob: Any,
    dave: Any,
    otto: Any,
) -> None:
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.models import Cycle
    from peerpact.checkins.services import CheckinAnswers, RhythmSpec
    from peerpact.circles import services as circle_services
    from peerpact.circles.models import Membership
    from peerpact.engagement.models import Pulse
    from peerpact.engagement.services.pulses import pulse_answer, pulses_open

    # Three weekly cycles have finished; the latest deadline passed about three days ago, so its
    # pulse (every cycle) is open. Everyone joined before the first cycle and checked in each time.
    seat(circle, dave, alice)
    circle_services.circle_update(circle=circle, actor=alice, pulse_every_cycles=1)
    now = timezone.now()
    start = now - timedelta(days=24)
    Membership.objects.filter(circle=circle).update(joined_at=start - timedelta(days=1))
    three_days_ago = timezone.localtime(now - timedelta(days=3), ZoneInfo(circle.timezone))
    weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][three_days_ago.weekday()]
    checkin_services.rhythm_set(circle=circle, actor=alice, spec=RhythmSpec(weekdays=[weekday]), now=start)
    checkin_services.cycles_ensure(circle=circle, now=now)
    finished = list(Cycle.objects.filter(circle=circle, grace_until__lte=now).order_by("index"))
    assert len(finished) >= 2
    members = {m.user_id: m for m in Membership.objects.filter(circle=circle)}
    for cycle in finished:
        for person in (alice, bob, dave):
            checkin_services.checkin_submit(
                membership=members[person.pk],
                cycle=cycle,
                actor=person,
                answers=CheckinAnswers(wins="Kept at it"),
                expected_version=None,
                now=cycle.deadline_at - timedelta(hours=1),
            )
    assert pulses_open(now=now)
    pulse = Pulse.objects.get()
    board = f"/c/{circle.community.slug}/circles/{circle.slug}/board/"
    pulse_page = f"/c/{circle.community.slug}/circles/{circle.slug}/engagement/pulse/"

    def answer(person_page: Page, scores: dict[str, str], open_answer: str) -> None:
        form = person_page.get_by_role("form", name="Your answers")
        for question, score in scores.items():
            scale = form.get_by_role("group", name=question)  # labels: "1 — strongly disagree", "2", …
            scale.get_by_role("radio", name=re.compile(rf"^{score}( |$)")).check()
        form.get_by_label("What one thing would make this circle work better?").fill(open_answer)
        form.get_by_role("button", name="Send my answers").click()

    # 1. Dave follows the prompt on the board; before three answers, results stay hidden.
    dave_page, dave_check = as_person(another_person, dave)
    dave_page.goto(board)
    dave_check()
    dave_page.get_by_role("link", name="Answer the pulse").click()
    expect(dave_page.get_by_role("heading", level=1)).to_have_text(f"How is {circle.name} working?")
    results = dave_page.get_by_role("region", name="Results")
    expect(results).to_contain_text("0 of 3 needed")
    dave_check()
    answer(
        dave_page,
        {
            "I feel safe being honest here": "4",
            "Our check-ins help me make progress": "5",
            "Feedback I get is useful": "3",
            "The rhythm works for me": "4",
        },
        "Shorter review sessions",
    )
    expect(dave_page.get_by_role("status")).to_contain_text("Thank you. Your answers are in")
    expect(dave_page.get_by_role("heading", name="Your answers (you can still change them)")).to_be_visible()
    expect(dave_page.get_by_role("region", name="Results")).to_contain_text("1 of 3 needed")
    expect(dave_page.get_by_role("region", name="Results")).not_to_contain_text("Shorter review sessions")
    dave_check()
    dave_page.goto(board)
    expect(dave_page.get_by_role("region", name="How is the circle working?")).to_contain_text(
        "Thank you for answering."
    )
    dave_check()

    # 2. Alice answers (through services); bob answers in the browser and the totals appear.
    pulse_answer(
        pulse=pulse,
        membership=members[alice.pk],
        actor=alice,
        scores={"safe": 5, "checkins": 4, "feedback": 3, "rhythm": 5},
        open_answer="",
    )
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    page.goto(pulse_page)
    expect(page.get_by_role("region", name="Results")).to_contain_text("2 of 3 needed")
    check()
    answer(
        page,
        {
            "I feel safe being honest here": "3",
            "Our check-ins help me make progress": "3",
            "Feedback I get is useful": "3",
            "The rhythm works for me": "4",
        },
        "A clearer agenda",
    )
    expect(page.get_by_role("status")).to_contain_text("Thank you. Your answers are in")
    results = page.get_by_role("region", name="Results")
    expect(results).to_contain_text("3 people answered.")
    expect(results).to_contain_text("nobody's own answers are shown")
    expect(results.get_by_role("heading", level=3)).to_have_count(5)  # four statements, one question
    expect(results.get_by_text("Average 4.0 out of 5")).to_have_count(2)  # safe; check-ins help
    expect(results.get_by_text("Average 3.0 out of 5")).to_have_count(1)  # feedback: everyone chose 3
    expect(results.get_by_text("Average 4.3 out of 5")).to_have_count(1)  # rhythm: 4, 5, 4
    expect(results.get_by_text("3: 3", exact=True)).to_be_visible()
    expect(results.get_by_role("listitem").filter(has_text="A clearer agenda")).to_be_visible()
    expect(results.get_by_role("listitem").nth(0)).to_have_text("A clearer agenda")
    expect(results.get_by_role("listitem").nth(1)).to_have_text("Shorter review sessions")
    expect(results).not_to_contain_text("Dave")
    expect(results).not_to_contain_text("Bob")
    check()

    # 3. Alice (facilitator) reads the circle's health: the label and the signals that made it.
    hers, alice_check = as_person(another_person, alice)
    hers.goto(pulse_page)
    alice_check()
    hers.get_by_role("link", name="Circle health").click()
    expect(hers.get_by_role("heading", level=1)).to_have_text(f"{circle.name}: circle health")
    overall = hers.get_by_role("region", name="Overall")
    expect(overall.locator(".health-label")).to_have_text("Steady")
    signals = overall.get_by_role("table", name=re.compile(r"^Why: each signal"))
    rate_row = signals.get_by_role("row", name=re.compile(r"^Check-in rate, last 4 cycles"))
    expect(rate_row).to_contain_text("100%")
    expect(rate_row).to_contain_text("good")
    feedback_row = signals.get_by_role("row", name=re.compile(r"^Feedback given and received"))
    expect(feedback_row).to_contain_text("watch")
    expect(feedback_row).to_contain_text("No feedback was given in this period.")
    pulse_row = signals.get_by_role("row", name=re.compile(r"^Latest pulse"))
    expect(pulse_row).to_contain_text("3.8")
    expect(pulse_row).to_contain_text("good")
    expect(hers.get_by_role("region", name="Latest pulse")).to_contain_text("from 3 answers")
    alice_check()

    # 4. Otto (organizer) reads the community's overview, with the same label and reason.
    desk, otto_check = as_person(another_person, otto)
    desk.goto(f"/c/{circle.community.slug}/health/")
    expect(desk.get_by_role("heading", level=1)).to_have_text(
        f"{circle.community.name}: health of every circle"
    )
    row = desk.get_by_role("row", name=re.compile(f"^{circle.name}"))
    expect(row).to_contain_text("Steady")
    expect(row).to_contain_text("100% / 100%")
    expect(row).to_contain_text("No feedback was given in this period.")
    otto_check()
    row.get_by_role("link", name=circle.name).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(f"{circle.name}: circle health")
    otto_check()
