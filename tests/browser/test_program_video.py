"""A module's video in a real browser: the player frame and the video file load under the module page's
CSP (no violation, axe clean). The video hosts are answered by Playwright, so no internet is needed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from peerpact.programs import services
from tests.browser.conftest import PageWatch
from tests.browser.test_weekly_loop import log_in

PLAYER = "<!doctype html><html lang=en><title>player</title><p>Player stand-in</p></html>"


@pytest.fixture
def module_page(community: Any, olivia: Any, circle: Any) -> Any:
    """Returns a function that gives a module's path for a video link."""
    program = services.program_create(community=community, actor=olivia, title="Lead with feedback")
    module = services.module_create(
        program=program,
        actor=olivia,
        title="Ask for feedback",
        content="People who **ask** for feedback get more of it.",
        action_challenge="Ask two people for feedback on one piece of work.",
    )
    services.program_set_status(program=program, actor=olivia, status="published")
    cohort = services.cohort_create(
        program=program,
        actor=olivia,
        name="Spring",
        starts_on=date.today(),
        huddles=[circle],
        now=timezone.now(),
    )

    def path_for(video_url: str, video_title: str = "") -> str:
        services.module_update(module=module, actor=olivia, video_url=video_url, video_title=video_title)
        return f"/c/{community.slug}/programs/cohorts/{cohort.pk}/modules/{module.pk}/"

    return path_for


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_module_page_plays_a_youtube_video_and_a_video_file(
    page: Page, module_page: Any, bob: Any
) -> None:
    requested: list[str] = []

    def player(route: Route) -> None:
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=PLAYER)

    def video_file(route: Route) -> None:
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="video/webm", body=b"")  # not a real video: never plays

    page.route("https://www.youtube-nocookie.com/**", player)
    page.route("https://cdn.example.org/**", video_file)
    check = PageWatch(page)
    log_in(page, check, email=bob.email, name="Bob")
    check()

    page.goto(module_page("https://youtu.be/wtl5UrrgU8c?t=90", "How to ask (8 minutes)"))
    frame = page.get_by_title("How to ask (8 minutes)")
    frame.scroll_into_view_if_needed()
    expect(page.frame_locator("iframe").get_by_text("Player stand-in")).to_be_visible()
    assert requested == ["https://www.youtube-nocookie.com/embed/wtl5UrrgU8c?start=90"]
    expect(page.get_by_role("link", name="Open the video on YouTube")).to_have_attribute(
        "href", "https://youtu.be/wtl5UrrgU8c?t=90"
    )
    check()

    requested.clear()
    page.goto(module_page("https://cdn.example.org/talks/ask.webm"))
    video = page.get_by_label("Video: Ask for feedback")
    expect(video).to_be_visible()
    assert requested == []  # preload="none": nothing is fetched before play
    video.evaluate("element => element.load()")
    page.wait_for_function("() => document.querySelector('video').networkState !== 2")
    assert requested == ["https://cdn.example.org/talks/ask.webm"]  # allowed by media-src, not blocked
    check()
