"""CSRF on every unsafe method (issue 10, "Sessions and accounts").

Every POST row of the access matrix is sent again through a client that enforces CSRF checks, signed
in as a persona the row lets through (one who may make the change, else one who gets past the login),
without a token: the answer is Django's CSRF refusal (403) for pages, the API's `csrf_failed` (403) for
session callers of the JSON API, and nothing the row could change has changed. Bearer tokens are
CSRF-exempt by design (no cookie the browser would send on its own): a token caller writes without one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from peerpact.api import services as api_services
from peerpact.api.models import TokenScope
from peerpact.checkins.models import Checkin
from tests.matrix_kit import LOGIN, PERSONAS, Row, expected, may_change
from tests.security.matrix_world import ROWS, TARGETS, log_in, world

__all__ = ["world"]
pytestmark = pytest.mark.django_db

POST_ROWS = [r for r in ROWS if r.method == "POST"]
# Views that take a POST without a CSRF token, on purpose. Their rows must behave exactly as in the
# matrix (the token in the URL is the proof); any other exempt view fails test_no_other_view_is_exempt.
EXEMPT = {
    "notifications:unsubscribe": "RFC 8058 one-click unsubscribe: mail clients POST with no session",
}


def _persona(entry: Row) -> str:
    """Someone the row lets through: who may change it, else who is answered without a login or 404."""
    assert entry.effect
    for persona in PERSONAS:
        if may_change(entry.effect, persona):
            return persona
    for persona in PERSONAS:
        if expected(entry, persona) not in (LOGIN, 401, 404, 405):
            return persona
    return "bob"


def _is_api(entry: Row) -> bool:
    return entry.name.startswith("api:")


@pytest.mark.parametrize("entry", POST_ROWS, ids=[r.id for r in POST_ROWS])
def test_a_post_without_the_csrf_token_is_refused(world, entry: Row) -> None:
    client = Client(enforce_csrf_checks=True)
    persona = _persona(entry)
    log_in(client, world, persona)
    effect = entry.effect
    assert effect
    url = reverse(entry.name, kwargs=TARGETS[entry.target](world))
    before = effect.snapshot(world)
    response = client.post(url, effect.data(world) if callable(effect.data) else effect.data)
    if entry.name in EXEMPT or set(entry.expect.values()) == {405}:
        assert response.status_code == expected(entry, persona)  # as in the matrix: exempt, or no POST
        assert (effect.snapshot(world) != before) == may_change(effect, persona)
        return
    assert response.status_code == 403, f"{persona}: {response.status_code}"
    if _is_api(entry) and persona != "anonymous":
        assert response.json()["error"]["code"] == "csrf_failed"
    elif not _is_api(entry):
        assert b"CSRF" in response.content
    assert effect.snapshot(world) == before, f"{persona} changed it without a CSRF token"


def test_every_post_route_is_tried() -> None:
    routes = {r.name for r in POST_ROWS}
    assert len(routes) > 100, len(routes)


def _views(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif pattern.callback.__module__.startswith("peerpact."):
            yield f"{prefix}{pattern.name}", pattern.callback


def test_no_other_view_is_exempt() -> None:
    """Only the views in EXEMPT, and the API's (which checks CSRF itself for session callers)."""
    exempt = {
        name for name, view in _views() if getattr(view, "csrf_exempt", False) and not name.startswith("api:")
    }
    assert exempt == set(EXEMPT)


def test_a_bearer_token_needs_no_csrf_token(world) -> None:
    """Tokens are sent by programs, never by a browser on its own: the API takes them without CSRF."""
    client = Client(enforce_csrf_checks=True)
    token = api_services.token_create(user=world.users["bob"], name="CSRF", scope=TokenScope.WRITE)
    url = reverse("api:checkins", kwargs=TARGETS["api-quiet-circle"](world))
    before = Checkin.objects.filter(cycle__circle=world.quiet_circle).count()
    response = client.post(
        url,
        json.dumps({"wins": "By token"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token.secret}"},
    )
    assert response.status_code == 201, response.content
    assert Checkin.objects.filter(cycle__circle=world.quiet_circle).count() == before + 1


def test_the_session_api_refuses_a_write_without_csrf_and_takes_it_with(world) -> None:
    client = Client(enforce_csrf_checks=True)
    log_in(client, world, "bob")
    url = reverse("api:checkins", kwargs=TARGETS["api-quiet-circle"](world))
    body: Any = json.dumps({"wins": "By session"})
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    client.get(reverse("api_tokens:list"))  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    taken = client.post(url, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert taken.status_code == 201, taken.content


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_session_api_edits_need_csrf_too(world, method: str) -> None:
    client = Client(enforce_csrf_checks=True)
    log_in(client, world, "bob")
    url = reverse("api:checkin", kwargs=TARGETS["api-bobs-checkin"](world))
    before = list(Checkin.objects.filter(pk=world.bob_checkin.pk).values_list("wins", "version"))
    version = before[0][1]
    body = json.dumps({"wins": "Edited without a token", "version": version})
    refused = client.generic(method, url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    assert list(Checkin.objects.filter(pk=world.bob_checkin.pk).values_list("wins", "version")) == before
