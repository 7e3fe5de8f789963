"""The issue's "done when": a script with only a token creates a check-in and reads the tracker."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from peerpact.api import services

pytestmark = pytest.mark.django_db


def test_a_script_with_only_a_token_checks_in_and_reads_the_tracker(weekly, bob) -> None:
    token = services.token_create(user=bob, name="weekly script", scope="write").secret
    script = Client()  # no session, no cookies: only the Authorization header below
    auth = {"Authorization": f"Bearer {token}"}

    def call(method: str, path: str, body: dict | None = None):
        kwargs = {"headers": auth}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        response = getattr(script, method)(f"/api/v1/{path}", **kwargs)
        assert response["Content-Type"].startswith("application/json")
        return response

    me = call("get", "me").json()
    community = call("get", "communities").json()["results"][0]
    circle = call("get", f"communities/{community['id']}/circles").json()["results"][0]
    assert circle["my_membership"]["status"] == "active"
    before = call("get", f"circles/{circle['id']}/tracker").json()
    mine = next(r for r in before["rows"] if r["user_id"] == me["id"])
    assert mine["cells"][-1]["state"] == "pending"

    created = call("post", f"circles/{circle['id']}/checkins", {"wins": "Shipped it", "confidence": 4})
    assert created.status_code == 201
    checkin = created.json()
    assert (checkin["wins"], checkin["cycle"], checkin["version"]) == ("Shipped it", 1, 1)

    after = call("get", f"circles/{circle['id']}/tracker").json()
    mine = next(r for r in after["rows"] if r["user_id"] == me["id"])
    assert mine["cells"][-1]["state"] == "on_time" and mine["on_time"] == 1 and mine["streak"] == 1
    board = call("get", f"circles/{circle['id']}/checkins").json()
    assert "Shipped it" in [e["checkin"]["wins"] for e in board["entries"] if e["checkin"]]
    assert not script.cookies  # nothing but the header was ever used


def test_the_schema_and_docs_are_served_locally_under_the_csp(client) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "PeerPact API"
    paths = schema.json()["paths"]
    assert "/api/v1/circles/{circle_id}/checkins" in paths and "/api/v1/me" in paths
    assert {"TokenAuth", "SessionAuth"} <= set(schema.json()["components"]["securitySchemes"])
    docs = client.get("/api/v1/docs")
    html = docs.content.decode()
    assert docs.status_code == 200 and docs["Content-Type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/static/", "/api/v1/")) for s in sources), sources
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    nonce = re.search(r"'nonce-([^']+)'", docs["Content-Security-Policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    executable = [s for s in scripts if "application/json" not in s]
    assert len(executable) == 2 and all(f'nonce="{nonce}"' in s for s in executable)
    assert 'style="' not in html
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        from django.contrib.staticfiles import finders

        assert finders.find(asset), asset


def test_the_root_points_to_the_schema_and_docs(client) -> None:
    body = client.get("/api/v1/").json()
    assert body["openapi"].endswith("/api/v1/openapi.json") and body["docs"].endswith("/api/v1/docs")
