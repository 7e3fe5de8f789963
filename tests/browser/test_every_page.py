"""Every page, in every language and both colour schemes, passes axe in a real browser.

The pages are the access matrix's GET rows (tests/test_access_matrix.py and tests/access_rows/): each
one is opened as the first persona the matrix lets in (owner first), so a new route joins the tour as
soon as it has matrix rows. Rows that answer something other than a whole HTML page (CSV, iCal, JSON,
htmx fragments) are left to their own tests. For each page and variant the tour also checks that the
page says which language it is in and which way it reads, and that nothing logs an error or breaks
the CSP. Only SQLite runs it: a page's markup does not depend on the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage

from tests import test_access_matrix as matrix
from tests.browser.conftest import AXE_OPTIONS, axe
from tests.matrix_kit import expected

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="markup only: SQLite"
    ),
]

LANGUAGES = [code for code, _name in settings.LANGUAGES]
SCHEMES = ["light", "dark"]
# Who opens each page: the first persona the matrix lets in. The owner sees the most of every page.
API_REFERENCE = "/api/v1/docs"
OPENERS = ["olivia", "otto", "alice", "bob", "dave", "carol", "erin", "anonymous"]


def tour(world: Any) -> Iterator[tuple[str, str]]:
    """(persona, path) for every GET row that someone may open, each path once."""
    seen: set[str] = set()
    for row in matrix.ROWS:
        if row.method != "GET":
            continue
        opener = next((p for p in OPENERS if expected(row, p) == 200), None)
        path = reverse(row.name, kwargs=matrix.TARGETS[row.target](world))
        if opener and path not in seen:
            seen.add(path)
            yield opener, path


def whole_page(client: Client, path: str) -> bool:
    response = client.get(path)
    if response.status_code != 200 or getattr(response, "streaming", False):
        return False
    return (
        response["Content-Type"].startswith("text/html")
        and response.content.lstrip()[:15].lower() == b"<!doctype html>"
    )


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe(
    transactional_db: Any, live_server: Any, browser: Browser, language: str, scheme: str
) -> None:
    assert connection.vendor == "sqlite"
    world = matrix.build_world()
    sessions: dict[str, str] = {}
    pages: list[tuple[str, str]] = []
    for persona, path in tour(world):
        client = Client()
        if persona != "anonymous":
            client.force_login(world.users[persona])
        if whole_page(client, path):
            pages.append((persona, path))
            if persona != "anonymous":
                sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert len(pages) > 60, f"the tour lost its pages: {pages}"

    problems: list[str] = []
    contexts = {}
    for persona in {p for p, _path in pages}:
        context = browser.new_context(base_url=live_server.url, locale=language, color_scheme=scheme)
        if persona != "anonymous":
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": sessions[persona], "url": live_server.url}]
            )
        contexts[persona] = context.new_page()
        page = contexts[persona]

        def on_console(message: ConsoleMessage, page_url: Any = page) -> None:
            if message.type == "error":
                problems.append(f"console error on {page_url.url}: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"uncaught error: {error}"))

    bidi = "rtl" if language in settings.LANGUAGES_BIDI else "ltr"
    for persona, path in pages:
        page = contexts[persona]
        page.goto(path)
        page.wait_for_load_state("load")
        scope = None
        if path == API_REFERENCE:
            # Swagger UI draws itself after the load event. Its widget is third-party markup we do not
            # control (nested buttons, its own colours): axe judges the page around it, and
            # docs/accessibility.md names the exception and the accessible way to the same reference.
            page.locator(".swagger-ui .opblock").first.wait_for()
            scope = {"exclude": [["#swagger-ui"]]}
        said = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
        if said != [language, bidi]:
            problems.append(f"{path} as {persona}: <html lang dir> is {said}, not {[language, bidi]}")
        results = axe.run(page, context=scope, options=AXE_OPTIONS)
        if results.violations_count:
            problems.append(f"{path} as {persona}:\n{results.generate_report()}")
    for page in contexts.values():
        page.context.close()
    assert not problems, f"{len(problems)} problem(s) in {language}, {scheme}:\n" + "\n".join(problems)
