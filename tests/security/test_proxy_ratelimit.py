"""Per-address rate limits behind a reverse proxy (settings.TRUSTED_PROXY_COUNT).

Behind a proxy every request arrives from the proxy's address. With TRUSTED_PROXY_COUNT = N (the
proxies we run, each appending to X-Forwarded-For) the client is the Nth address from the right, for
allauth's limits (ALLAUTH_TRUSTED_PROXY_COUNT follows the setting) and the API's alike. At 0, the
default, the header is ignored: anyone can send one, so a forged header never buys a fresh bucket.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from peerpact.api.ratelimit import client_address

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _address(forwarded: str | None, remote: str = PROXY) -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_allauth_follows_the_setting() -> None:
    assert settings.TRUSTED_PROXY_COUNT == 0  # never trusted unless configured
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT


def test_by_default_a_forwarded_header_is_ignored() -> None:
    assert _address("203.0.113.9") == PROXY
    assert _address("203.0.113.9, 198.51.100.1") == PROXY


@pytest.mark.parametrize(
    ("count", "forwarded", "client"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # A client's own (forged) entries sit to the left of what our proxy appended.
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (1, " 203.0.113.9 ", "203.0.113.9"),
        # Shorter than the proxies we run, or missing: it did not come through them.
        (2, "203.0.113.9", PROXY),
        (1, None, PROXY),
        (1, "", PROXY),
    ],
)
def test_behind_n_proxies_the_nth_address_from_the_right_is_the_client(
    settings, count: int, forwarded: str | None, client: str
) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    assert _address(forwarded) == client


def _api_root(client: Client, forwarded: str) -> int:
    return client.get(reverse("api:api-root"), HTTP_X_FORWARDED_FOR=forwarded).status_code


def test_api_spoofed_headers_share_the_proxy_bucket_by_default(settings) -> None:
    settings.API_RATE_LIMIT = 2
    client = Client(REMOTE_ADDR=PROXY)
    assert [_api_root(client, f"203.0.113.{n}") for n in range(3)] == [200, 200, 429]


def test_api_distinct_clients_behind_the_proxy_get_their_own_buckets(settings) -> None:
    settings.API_RATE_LIMIT = 2
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR=PROXY)
    assert [_api_root(client, "203.0.113.1") for _ in range(3)] == [200, 200, 429]
    assert _api_root(client, "203.0.113.2") == 200  # another visitor behind the same proxy
    # Forging an address to the left does not escape the limit: the proxy appended the real one.
    assert _api_root(client, "6.6.6.6, 203.0.113.1") == 429


def _failed_login(client: Client, n: int, forwarded: str) -> int:
    return client.post(
        reverse("account_login"),
        {"login": f"guess{n}@example.com", "password": "wrong password"},
        HTTP_X_FORWARDED_FOR=forwarded,
    ).status_code


def test_login_spoofed_headers_do_not_reset_the_failed_login_limit(settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/ip"}
    client = Client(REMOTE_ADDR=PROXY)
    codes = [_failed_login(client, n, f"203.0.113.{n}") for n in range(3)]
    assert codes == [200, 200, 429]


def test_login_limits_count_each_client_behind_the_proxy(settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/m/ip"}
    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR=PROXY)
    assert [_failed_login(client, n, "203.0.113.1") for n in range(3)] == [200, 200, 429]
    assert _failed_login(client, 9, "203.0.113.2") == 200
    assert _failed_login(client, 10, "6.6.6.6, 203.0.113.1") == 429
