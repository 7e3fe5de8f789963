"""Signatures checked by an independent implementation: the `standardwebhooks` package (PyPI), plus a
verifier written here from the spec's text (HMAC-SHA256 of "{id}.{timestamp}.{body}", base64)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from peerpact.webhooks import delivery, services, signing


def spec_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Written from the spec, not from our code: decode the whsec_ key, sign, compare each v1 entry."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = b".".join([headers["webhook-id"].encode(), headers["webhook-timestamp"].encode(), body])
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    entries = [entry.split(",", 1) for entry in headers["webhook-signature"].split(" ")]
    return any(version == "v1" and hmac.compare_digest(sig, expected) for version, sig in entries)


def test_secret_is_whsec_with_32_random_bytes() -> None:
    secret = signing.secret_generate()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != signing.secret_generate()


def test_a_delivered_event_verifies_with_the_standardwebhooks_package(endpoint, hooks, bob, circle) -> None:
    services.endpoint_test_send(endpoint=endpoint, actor=endpoint.created_by, now=timezone.now())
    [request] = hooks.received
    data = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert data["type"] == "ping"
    assert data["data"] == {"endpoint_id": endpoint.pk, "message": "A test delivery from PeerPact."}
    assert spec_verify(endpoint.secret, request.headers, request.body)
    assert request.headers["content-type"] == "application/json"
    # Compact JSON with type, timestamp and data, and an id that names the event.
    assert (
        request.body == json.dumps(json.loads(request.body), separators=(",", ":"), sort_keys=True).encode()
    )
    assert request.headers["webhook-id"] == str(endpoint.deliveries.get(event_type="ping").event_id)


def test_a_tampered_body_or_another_secret_does_not_verify(endpoint, hooks) -> None:
    services.endpoint_test_send(endpoint=endpoint, actor=endpoint.created_by, now=timezone.now())
    [request] = hooks.received
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"ping", b"pong"), request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.secret_generate()).verify(request.body, request.headers)
    assert not spec_verify(signing.secret_generate(), request.headers, request.body)


def test_after_a_rotation_both_secrets_verify_for_a_day(endpoint, hooks, olivia) -> None:
    old = endpoint.secret
    services.endpoint_secret_rotate(endpoint=endpoint, actor=olivia, now=timezone.now())
    services.endpoint_test_send(endpoint=endpoint, actor=olivia, now=timezone.now())
    [request] = hooks.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(endpoint.secret).verify(request.body, request.headers)
    later = timezone.now() + services.ROTATION_OVERLAP
    assert endpoint.signing_secrets(later) == [endpoint.secret]


def test_retries_send_the_same_id_and_body(endpoint, hooks, olivia, monkeypatch) -> None:
    hooks.status = 500
    from peerpact.webhooks.models import Delivery

    row = Delivery.objects.create(
        endpoint=endpoint,
        event_type="ping",
        occurred_at=timezone.now(),
        payload={"a": 1},
        next_attempt_at=timezone.now(),
    )
    monkeypatch.setattr(delivery, "max_attempts", lambda d: 3)
    now = timezone.now()
    delivery.deliveries_send(now=now)
    row.refresh_from_db()
    delivery.deliveries_send(now=row.next_attempt_at)
    first, second = hooks.received
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(row.event_id)
    for request in (first, second):
        assert spec_verify(endpoint.secret, request.headers, request.body)
