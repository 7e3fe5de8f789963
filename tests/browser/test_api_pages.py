"""The API token pages and the interactive API reference in a real browser, under the strict CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageWatch, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_reference_renders_from_local_files_without_csp_violations(page: Page, live_server) -> None:
    check = PageWatch(page)
    outside: list[str] = []
    page.on(
        "request", lambda r: None if r.url.startswith((live_server.url, "data:")) else outside.append(r.url)
    )
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("PeerPact API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert not check.problems, check.problems
    assert not outside, outside


def test_creating_and_revoking_a_token(page: Page, make_user) -> None:
    make_user("tina@example.com", "Tina")
    check = PageWatch(page)
    log_in(page, check, email="tina@example.com", name="Tina")
    page.goto("/profile/")
    check()
    page.get_by_role("link", name="API tokens").click()
    check()
    page.get_by_label("Name").fill("Spreadsheet")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()
    check()
    secret = page.get_by_label("Token").input_value()
    assert secret.startswith("pp_")
    page.get_by_role("link", name="Done, I have copied it").click()
    check()
    expect(page.get_by_role("cell", name="Spreadsheet", exact=True)).to_be_visible()
    assert secret not in page.content()
    page.get_by_role("link", name="Revoke Spreadsheet").click()
    check()
    page.get_by_role("button", name="Revoke token").click()
    check()
    expect(page.get_by_text("revoked. It no longer works.")).to_be_visible()
