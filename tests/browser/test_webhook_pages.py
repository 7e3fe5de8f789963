"""The webhook pages in a real browser: an organizer looks at the demo endpoint and its delivery log,
reveals its secret, edits it and adds a second endpoint. Every page is checked by `PageWatch` (axe,
console errors, CSP). Delivery itself is tested against a local HTTP server in peerpact/webhooks/tests."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from peerpact.webhooks import demo
from peerpact.webhooks.models import Endpoint
from tests.browser.conftest import PageWatch, log_in


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_organizer_reads_the_delivery_log_and_adds_an_endpoint(
    page: Page, circle: Any, olivia: Any, settings: Any
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True  # the new endpoint's host does not resolve offline
    demo.seed(circles=[circle], now=timezone.now())
    check = PageWatch(page)
    log_in(page, check, email=olivia.email, name="Olivia")
    page.goto(f"/c/{circle.community.slug}/")
    check()
    page.get_by_role("link", name="Webhooks").click()
    check()
    page.get_by_role("link", name=demo.DESCRIPTION).click()
    expect(page.get_by_role("button", name="Switch on again")).to_be_visible()
    check()
    page.get_by_role("link", name="Edit").click()
    check()
    page.goto(f"/c/{circle.community.slug}/webhooks/{Endpoint.objects.get().pk}/secret/")
    expect(page.get_by_text("whsec_")).to_be_visible()
    check()
    page.goto(f"/c/{circle.community.slug}/webhooks/new/")
    check()
    page.get_by_label("URL").fill("http://receiver.internal/peerpact")
    page.get_by_label("Check-in submitted").check()
    page.get_by_role("button", name="Add endpoint").click()
    check()
    assert Endpoint.objects.filter(url="http://receiver.internal/peerpact").exists()
