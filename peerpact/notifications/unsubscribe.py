"""Unsubscribe links that need no login and cannot be forged (signed with the SECRET_KEY).

Every email carries `List-Unsubscribe` (a one-click https URL and a mailto fallback is not offered: we
have no inbound mail) and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058), so a mail client
can unsubscribe with a single POST. The link mutes that kind of message by email for that person only.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.urls import reverse

SALT = "peerpact.notifications.unsubscribe"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """The (user id, kind) a token was made for, or None if it was tampered with."""
    try:
        data: Any = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]


def unsubscribe_path(*, user_id: int, kind: str) -> str:
    return reverse(
        "notifications:unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)}
    )
