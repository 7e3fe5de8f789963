"""Secrets, bodies and signatures in the style of the Standard Webhooks spec (standardwebhooks.com).

- A secret is `whsec_` + base64 of 32 random bytes; the HMAC key is the decoded bytes.
- The body is compact JSON `{"type", "timestamp", "data"}`, built the same way on every retry.
- Headers: `webhook-id` (the event id, stable across retries), `webhook-timestamp` (unix seconds of this
  attempt) and `webhook-signature`: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per
  secret in force, separated by spaces (two during a rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from typing import Any

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: the bytes the base64 part of `whsec_…` stands for."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, to the second's fraction Django stored."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def body(*, event_type: str, occurred_at: datetime, data: dict[str, Any]) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": iso(occurred_at), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
        sort_keys=True,
    )


def signature(*, secret: str, msg_id: str, timestamp: int, payload: str) -> str:
    digest = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.{payload}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secrets: list[str], msg_id: str, sent_at: datetime, payload: str) -> dict[str, str]:
    """The signed headers of one attempt (besides Content-Type and User-Agent)."""
    timestamp = int(sent_at.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret=secret, msg_id=msg_id, timestamp=timestamp, payload=payload)
            for secret in secrets
        ),
    }
