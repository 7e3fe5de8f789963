"""User-written text full of XSS payloads, rendered in a real browser: nothing runs.

The corpus (tests/security/xss_payloads.py) goes into plain-text fields (check-in answers shown on
the board and the check-in page, comments, goal titles) and markdown fields (a circle charter, an
intake's welcome text). Most of it is written through services; bob's check-in goes through the real
form and alice's through the JSON API. Then bob visits every page that renders it, and each page
must show: no dialog opened, `window.__xss` (set by any payload that ran) undefined, no CSP violation
or console error (PageWatch, which also runs axe), no dangerous attribute or element carrying the
marker in the DOM, and, for plain fields, every payload visible verbatim as text.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, log_in
from tests.security.xss_payloads import FIND_INJECTED_JS, MARKDOWN_TEXT, PLAIN, chunks


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_xss_payloads_render_as_text_on_every_page(
    page: Page, circle: Any, alice: Any, bob: Any, olivia: Any
) -> None:
    from peerpact.api import services as api_services
    from peerpact.checkins import services as checkin_services
    from peerpact.checkins.models import Checkin, Cycle
    from peerpact.checkins.services import RhythmSpec
    from peerpact.circles import services as circle_services
    from peerpact.circles.models import Membership
    from peerpact.feedback import services as feedback_services
    from peerpact.formation.services import intakes as formation_services
    from peerpact.goals import services as goal_services

    now = timezone.now()
    checkin_services.rhythm_set(
        circle=circle, actor=alice, spec=RhythmSpec(weekdays=["FR"]), now=now - timedelta(hours=1)
    )
    checkin_services.cycles_ensure(circle=circle, now=now)
    cycle = Cycle.objects.get(circle=circle, index=1)
    circle_services.circle_update(circle=circle, actor=alice, charter=MARKDOWN_TEXT)
    bobs = Membership.objects.get(circle=circle, user=bob)
    for payload in PLAIN:
        goal_services.goal_create(membership=bobs, actor=bob, title=payload, direction="done")
    intake = formation_services.intake_create(
        community=circle.community, actor=olivia, title="Spring circles", welcome=MARKDOWN_TEXT
    )
    formation_services.intake_open(intake=intake, actor=olivia, now=now)

    # Alice checks in through the JSON API, with the corpus in every answer.
    token = api_services.token_create(user=alice, name="xss", scope="write", community=None).secret
    help_text = chunks(1900)[0]  # the browser sends line breaks as CRLF
    created = Client().post(
        f"/api/v1/circles/{circle.pk}/checkins",
        data={
            "wins": chunks(4000)[0],
            "blockers": chunks(4000)[0],
            "help_request": help_text,
            "confidence": 3,
        },
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.content
    alices = Checkin.objects.get(pk=created.json()["id"])
    comments = chunks(2000)
    for body in comments:
        feedback_services.comment_add(checkin=alices, actor=bob, body=body)

    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    check = PageWatch(page)
    pages_checked = 0

    def assert_nothing_ran(*, plain_texts: list[str] = (), markdown: bool = False) -> None:  # type: ignore[assignment]
        nonlocal pages_checked
        check()
        page.wait_for_timeout(100)  # let any timer-, focus- or load-triggered payload have its go
        assert not dialogs, f"A dialog opened on {page.url}: {dialogs}"
        assert page.evaluate("typeof window.__xss") == "undefined", f"A payload ran on {page.url}"
        assert not check.problems, check.problems
        injected = page.evaluate(FIND_INJECTED_JS)
        assert not injected, f"Dangerous markup reached the DOM of {page.url}:\n" + "\n".join(injected)
        shown = _squash(page.locator("main").inner_text())
        missing = [text for text in plain_texts if _squash(text) not in shown]
        assert not missing, f"Not shown verbatim as text on {page.url}: {missing}"
        if markdown:
            prose = page.locator(".prose").first
            # Raw HTML is off in the parser: tags show as text; links to bad schemes are no links.
            expect(prose).to_contain_text("<script>window")
            expect(prose).to_contain_text("click me")
        pages_checked += 1

    log_in(page, check, email=bob.email, name="Bob")
    base = f"/c/{circle.community.slug}/circles/{circle.slug}/"

    # Bob writes his own check-in through the real form, payloads in every answer.
    page.goto(f"{base}checkin/")
    check()
    page.get_by_label("Wins").fill(chunks(4000)[0])
    page.get_by_label("Blockers").fill(chunks(4000)[0])
    page.get_by_label("Ask for help (optional)").fill(help_text)
    page.get_by_role("group", name="How confident are you about the next cycle?").get_by_label(
        "3 · Okay"
    ).check()
    page.get_by_role("button", name="Submit check-in").click()
    expect(page.locator("#messages")).to_contain_text("Check-in saved. Thank you!")
    stored = Checkin.objects.get(membership=bobs, cycle=cycle)
    assert stored.wins.replace("\r\n", "\n") == chunks(4000)[0]  # stored as typed, unescaped
    assert_nothing_ran(plain_texts=PLAIN)  # the board: both cards and the open help requests
    for name in ("Bob", "Alice"):
        expect(page.get_by_role("article", name=re.compile(rf"^{name}"))).to_contain_text(PLAIN[0])

    page.goto(f"{base}checkins/{alices.pk}/")
    assert_nothing_ran(plain_texts=PLAIN)  # answers and comments
    page.goto(f"{base}goals/")
    assert_nothing_ran(plain_texts=PLAIN)
    page.goto(base)
    assert_nothing_ran(markdown=True)  # the charter
    page.goto(f"/apply/{intake.token}/")
    assert_nothing_ran(markdown=True)  # the welcome text
    assert pages_checked == 5
