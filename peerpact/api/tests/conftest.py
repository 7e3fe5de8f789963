from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from conftest import START  # noqa: F401 (the frozen moment, for tests that need it)


@pytest.fixture(autouse=True)
def frozen_clock(clock):
    """As in the checkins tests: the clock frozen at START (Monday 2026-01-05 09:00 UTC)."""
    return clock


@pytest.fixture(autouse=True)
def _fresh_rate_counts() -> None:
    cache.clear()


@pytest.fixture
def make_token() -> Callable[..., str]:
    """A token's secret for `user` (write scope by default)."""
    from peerpact.api import services

    def make(user: Any, scope: str = "write", community: Any = None, **extra: Any) -> str:
        return services.token_create(
            user=user, name="script", scope=scope, community=community, **extra
        ).secret

    return make


class Api:
    """Calls with only an Authorization header (or the client's session when token is None)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def __call__(
        self, method: str, path: str, token: str | None = None, body: Any = None, **extra: Any
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = path if path.startswith("/") else f"/api/v1/{path}"
        kwargs: dict[str, Any] = {"headers": headers, **extra}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return getattr(self.client, method.lower())(url, **kwargs)


@pytest.fixture
def api(client: Any) -> Api:
    return Api(client)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code, error
    assert error["message"]
    return error
