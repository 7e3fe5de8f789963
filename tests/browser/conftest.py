"""Browser-only helpers: axe checks, console and CSP watching, and links read from sent mail."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Frame, Page

axe = Axe()  # one instance: it reads axe-core's script once
# The bundled axe-core (4.12) ships its target-size rule (WCAG 2.2 AA 2.5.8: targets of at least 24x24
# CSS px, or spaced so) switched off; switch it on alongside every default rule.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}

# Reports every CSP violation to the test, including ones Chromium does not log to the console.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__peerpactCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`
    + (event.sample ? ` (${event.sample})` : "")
  );
});
"""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], live_server: Any) -> dict[str, Any]:
    """Every context opens paths on the live server, so tests can write `page.goto("/c/new/")`."""
    return {**browser_context_args, "base_url": live_server.url}


@pytest.fixture
def another_person(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh browser context (own cookies), e.g. `another_person(viewport=...)`.

    Unlike pytest-playwright's `new_context`, this ignores the test's `browser_context_args`
    marker, so a second person does not inherit the first one's time zone or viewport.
    """
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(**{**browser_context_args, **options})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def assert_accessible(page: Page) -> None:
    """Run axe on the page as it is now and fail with its report if it finds anything."""
    results = axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, (
        f"axe found {results.violations_count} problem(s) on {page.url}:\n{results.generate_report()}"
    )


def assert_fits_width(page: Page) -> None:
    """Nothing on the page makes it scroll sideways (phones: content must reflow)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the {page.viewport_size} viewport"


class PageWatch:
    """Collects console errors, uncaught exceptions and CSP violations, and which pages were checked.

    Call it after every navigation: it runs axe and fails on anything collected so far. It also
    fails if a page was visited in between without being checked, so no page slips past axe.
    """

    def __init__(self, page: Page) -> None:
        self.page = page
        page.set_default_timeout(10_000)  # fail fast: the live server answers in milliseconds
        self.problems: list[str] = []
        self.unchecked: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught error: {error}"))
        page.on("framenavigated", self._on_navigated)
        page.expose_function(
            "__peerpactCspViolation", lambda text: self.problems.append(f"CSP violation: {text}")
        )
        page.add_init_script(_CSP_LISTENER)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            self.problems.append(f"console error: {message.text} ({location.get('url')})")

    def _on_navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame and (not self.unchecked or self.unchecked[-1] != frame.url):
            self.unchecked.append(frame.url)

    def __call__(self) -> None:
        """Check the page now showing: axe, console, CSP; and that no earlier page went unchecked."""
        self.page.wait_for_load_state("load")
        # An htmx request in flight dims its element (.htmx-request): axe would judge a faded page.
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
        )
        assert_accessible(self.page)
        assert not self.problems, f"The browser reported problems up to {self.page.url}:\n" + "\n".join(
            self.problems
        )
        skipped = [url for url in self.unchecked[:-1] if url != self.page.url]
        assert not skipped, f"Pages visited without an accessibility check: {skipped}"
        self.unchecked.clear()


def link_from_mail(to: str, path_prefix: str) -> str:
    """The path (and query) of the link to `path_prefix` in the newest message sent to `to`."""
    pattern = re.compile(r"https?://[^/\s\"'<>]+(" + re.escape(path_prefix) + r"[^\s\"'<>]*)")
    for message in reversed(mail.outbox):
        if to in message.to:
            found = pattern.search(str(message.body))
            if found:
                return found.group(1)
    sent = [(message.to, message.subject) for message in mail.outbox]
    raise AssertionError(f"No mail to {to} links to {path_prefix}; sent so far: {sent}")


def mail_to(to: str) -> list[Any]:
    """Messages sent to `to` so far, oldest first."""
    return [message for message in mail.outbox if to in message.to]


def log_in(page: Page, check: PageWatch, *, email: str, name: str) -> None:
    """Sign in through allauth's real login form; land on (and check) the home page."""
    from playwright.sync_api import expect

    from conftest import PASSWORD

    page.goto("/accounts/login/")
    check()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    check()
