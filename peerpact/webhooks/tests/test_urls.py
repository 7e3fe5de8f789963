"""SSRF guard: endpoint URLs inside the server's network are refused, on save and again before sending."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from peerpact.webhooks import delivery, services
from peerpact.webhooks.models import Delivery, DeliveryState


@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://10.0.0.7/hook",
        "https://192.168.1.1:8080/hook",
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://0.0.0.0/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://api.localhost/hook",
    ],
)
def test_private_and_local_hosts_are_refused(settings, url: str) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    assert "inside the server's own network" in (services.url_problem(url) or "")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://hooks.example.com/x", "must start with https://"),
        ("ftp://hooks.example.com/x", "must start with https://"),
        ("file:///etc/passwd", "must start with https://"),
        ("https://user:pw@hooks.example.com/x", "user name and password"),
        ("https:///nohost", "valid URL"),
        ("https://hooks.example.com:99999/x", "valid URL"),
    ],
)
def test_other_bad_urls_are_refused_with_a_reason(settings, url: str, problem: str) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    settings.DEBUG = False
    assert problem in (services.url_problem(url) or "")


def test_a_public_https_url_passes(settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    assert services.url_problem("https://93.184.215.14/hooks/peerpact") is None


def test_the_setting_allows_http_and_private_hosts(settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    assert services.url_problem("http://127.0.0.1:8080/hook") is None


def test_saving_a_private_url_is_refused(community, olivia, settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(
            community=community, actor=olivia, url="https://127.0.0.1/x", events=["checkin.submitted"]
        )
    assert "url" in refused.value.message_dict


def test_a_url_that_became_private_is_not_called(endpoint, hooks, settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False  # saved while allowed; checked again before each send
    now = timezone.now()
    row = Delivery.objects.create(
        endpoint=endpoint, event_type="member.joined", occurred_at=now, payload={}, next_attempt_at=now
    )
    delivery.deliveries_send(now=now)
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING and row.last_status_code is None
    assert hooks.received == []
