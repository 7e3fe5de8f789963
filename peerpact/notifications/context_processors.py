from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from peerpact.notifications.selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """The header's unread count (one indexed query, signed-in people only)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notification_unread": 0}
    return {"notification_unread": unread_count(user=user)}
