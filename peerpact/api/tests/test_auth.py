"""Who may call: a token or the session; read vs write scope; tokens limited to one community."""

from __future__ import annotations

import pytest
from django.test import Client

from peerpact.api.tests.conftest import Api, assert_error
from peerpact.checkins.models import Checkin

pytestmark = pytest.mark.django_db


def test_without_credentials_every_endpoint_answers_401_json(api, weekly) -> None:
    for path in ("me", "communities", f"circles/{weekly.pk}", f"circles/{weekly.pk}/tracker"):
        error = assert_error(api("get", path), 401, "not_authenticated")
        assert "token" in error["message"].lower()


def test_an_unknown_token_is_401_even_with_a_session(client, api, bob) -> None:
    client.force_login(bob)
    assert api("get", "me").status_code == 200
    assert_error(api("get", "me", "pp_000000000000_nope"), 401, "not_authenticated")


def test_me_says_how_the_caller_authenticated(api, bob, circle, make_token) -> None:
    token = make_token(bob, scope="read", community=circle.community)
    body = api("get", "me", token).json()
    assert body["email"] == "bob@example.com" and body["name"] == "Bob"
    assert body["auth"] == {"method": "token", "scope": "read", "community_id": circle.community.pk}
    api.client.force_login(bob)
    assert api("get", "me").json()["auth"] == {"method": "session", "scope": "write", "community_id": None}


def test_a_read_token_may_not_write(api, bob, weekly, make_token) -> None:
    reader = make_token(bob, scope="read")
    error = assert_error(
        api("post", f"circles/{weekly.pk}/checkins", reader, {"wins": "x"}), 403, "insufficient_scope"
    )
    assert "read" in error["message"]
    assert not Checkin.objects.exists()
    writer = make_token(bob, scope="write")
    assert api("post", f"circles/{weekly.pk}/checkins", writer, {"wins": "x"}).status_code == 201


def test_session_changes_need_the_csrf_token(bob, weekly) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    api = Api(browser)
    assert api("get", f"circles/{weekly.pk}/checkins").status_code == 200  # reads need none
    assert_error(api("post", f"circles/{weekly.pk}/checkins", None, {"wins": "x"}), 403, "csrf_failed")
    browser.get("/profile/")  # sets the CSRF cookie, as any page does
    csrf = browser.cookies["csrftoken"].value
    response = api("post", f"circles/{weekly.pk}/checkins", None, {"wins": "x"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201


def test_tokens_need_no_csrf_token(bob, weekly, make_token) -> None:
    api = Api(Client(enforce_csrf_checks=True))
    assert api("post", f"circles/{weekly.pk}/checkins", make_token(bob), {"wins": "x"}).status_code == 201


def test_htmx_may_send_a_form_instead_of_json(client, bob, weekly) -> None:
    client.force_login(bob)
    response = client.post(f"/api/v1/circles/{weekly.pk}/checkins", {"wins": "From a form", "confidence": ""})
    assert response.status_code == 201, response.content
    assert response.json()["wins"] == "From a form" and response.json()["confidence"] is None


def test_a_community_limited_token_sees_only_that_community(
    api, olivia, circle, other_circle, other_community, carol, make_token
) -> None:
    from peerpact.communities import services as community_services

    community_services.community_member_add(community=other_community, user=olivia)
    everywhere = make_token(olivia, scope="read")
    limited = make_token(olivia, scope="read", community=circle.community)
    ids = {c["id"] for c in api("get", "communities", everywhere).json()["results"]}
    assert ids == {circle.community.pk, other_community.pk}
    listed = api("get", "communities", limited).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == circle.community.pk
    assert api("get", f"communities/{other_community.pk}", everywhere).status_code == 200
    assert_error(api("get", f"communities/{other_community.pk}", limited), 404, "not_found")
    assert_error(api("get", f"communities/{other_community.pk}/circles", limited), 404, "not_found")
    assert api("get", f"circles/{other_circle.pk}", limited).status_code == 200  # same community
    foreign = community_services.community_create(creator=carol, name="Third")
    community_services.community_member_add(community=foreign, user=olivia)
    from peerpact.circles import services as circle_services

    far = circle_services.circle_create(community=foreign, creator=carol, name="Far away", facilitate=False)
    circle_services.circle_update(circle=far, actor=carol, visibility="listed")
    assert api("get", f"circles/{far.pk}", everywhere).status_code == 200
    assert_error(api("get", f"circles/{far.pk}", limited), 404, "not_found")
