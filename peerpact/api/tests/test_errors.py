"""Every error is {"error": {"code", "message", "details"}} JSON, whatever went wrong; never HTML."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from peerpact.api.tests.conftest import assert_error
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(bob, make_token):
    return make_token(bob)


def test_bad_input_is_400_with_one_detail_per_field(api, weekly, token) -> None:
    response = api("post", f"circles/{weekly.pk}/checkins", token, {"confidence": 9, "visibility": "world"})
    error = assert_error(response, 400, "validation_error")
    assert {(d["location"], d["field"]) for d in error["details"]} == {
        ("body", "confidence"),
        ("body", "visibility"),
    }
    bad_query = api("get", "communities?limit=0", token)
    assert assert_error(bad_query, 400, "validation_error")["details"][0]["field"] == "limit"


def test_unreadable_json_is_400(api, weekly, token) -> None:
    response = api.client.post(
        f"/api/v1/circles/{weekly.pk}/checkins",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_error(response, 400, "bad_request")


def test_a_service_refusal_is_400_with_its_message(api, weekly, token, clock) -> None:
    clock.shift(timedelta(days=30))  # cycle 1 has closed
    response = api("post", f"circles/{weekly.pk}/checkins", token, {"cycle": 1, "wins": "late"})
    error = assert_error(response, 400, "validation_error")
    assert "closed" in error["message"] and error["details"][0]["message"] == error["message"]


def test_refused_actions_are_403_with_a_reason(api, weekly, olivia, make_token) -> None:
    error = assert_error(
        api("post", f"circles/{weekly.pk}/checkins", make_token(olivia), {}), 403, "forbidden"
    )
    assert "members" in error["message"]


@pytest.mark.parametrize(
    "path",
    # 2**66: beyond any id column; the community checks (MFA) must not query with it (a 500 once).
    ["nope", "circles/999999", "circles/abc", "communities/1/nope", "", "communities/77278656739458252800"],
)
def test_unknown_addresses_are_404_json(api, token, path) -> None:
    response = api("get", f"/api/v1/{path}x" if path == "" else path, token)
    assert_error(response, 404, "not_found")


def test_a_missing_method_is_405_json(api, weekly, token) -> None:
    response = api("delete", f"circles/{weekly.pk}/checkins", token)
    error = assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"] and "GET" in response["Allow"] and error["details"]["allow"]


def test_a_stale_version_is_409_and_names_the_current_one(api, weekly, bob, token) -> None:
    first = api("post", f"circles/{weekly.pk}/checkins", token, {"wins": "v1"}).json()
    checkin_services.checkin_submit(  # another device saves in between
        membership=weekly.memberships.get(user=bob),
        cycle=Cycle.objects.get(circle=weekly, index=1),
        actor=bob,
        answers=checkin_services.CheckinAnswers(wins="from the phone"),
        expected_version=1,
    )
    response = api(
        "patch", f"circles/{weekly.pk}/checkins/{first['id']}", token, {"version": 1, "wins": "v2"}
    )
    error = assert_error(response, 409, "stale_version")
    assert error["details"] == {"current_version": 2, "checkin_id": first["id"]}
    # POST on a submitted check-in without its version is stale too: nothing is overwritten blindly.
    assert_error(api("post", f"circles/{weekly.pk}/checkins", token, {"wins": "blind"}), 409, "stale_version")
    assert api("get", f"circles/{weekly.pk}/checkins/{first['id']}", token).json()["wins"] == "from the phone"


def test_too_many_requests_is_429_with_retry_after(api, token, settings) -> None:
    settings.API_RATE_LIMIT = 3
    statuses = [api("get", "me", token).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = api("get", "me", token)
    error = assert_error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 60 and error["details"]["limit_per_minute"] == 3


def test_rate_limits_count_per_token_user_and_address(
    api, token, bob, alice, make_token, settings, clock
) -> None:
    settings.API_RATE_LIMIT = 2
    other = make_token(alice)
    assert [api("get", "me", token).status_code for _ in range(3)] == [200, 200, 429]
    assert api("get", "me", other).status_code == 200  # alice's token has its own count
    api.client.force_login(bob)
    assert api("get", "me").status_code == 200  # bob's session is counted apart from his token
    api.client.logout()
    assert [api("get", "me").status_code for _ in range(3)] == [401, 401, 429]  # anonymous: per address
    clock.shift(timedelta(seconds=61))
    assert api("get", "me", token).status_code == 200  # a new window
    assert api("get", "me", token)["X-RateLimit-Remaining"] == "0"


def test_server_errors_are_json_too(api, token, monkeypatch) -> None:
    from peerpact.accounts import api as accounts_api

    def boom(request):
        raise RuntimeError("bug")

    monkeypatch.setattr(accounts_api, "auth_summary", boom)
    assert_error(api("get", "me", token), 500, "server_error")


@pytest.mark.django_db
def test_numbers_beyond_any_id_are_a_400_not_a_server_error(client: Any, circle: Any, bob: Any) -> None:
    client.force_login(bob)
    big = 2**70
    for query in (f"commitments?member={big}", f"commitments?cycle={big}", f"goals?member={big}"):
        response = client.get(f"/api/v1/circles/{circle.pk}/{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["code"]
    assert client.get(f"/api/v1/circles/{circle.pk}/tracker?member={big}").status_code == 400
    assert client.get(f"/api/v1/circles/{circle.pk}/kudos?target_id={big}").status_code == 400
    assert client.get(f"/api/v1/me/feedback/given?circle={big}").status_code == 400
