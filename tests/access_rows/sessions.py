"""Access rows for profile → Signed-in sessions: only your own sessions can be signed out.

bob has a second session (another browser) in the world; the persona's own session is the one the
test client holds.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from peerpact.accounts.models import UserSession
from tests.matrix_kit import POST_ONLY, Effect, get, post


def extend(w: Any) -> None:
    now = timezone.now()
    w.bob_session = UserSession.objects.create(
        user=w.users["bob"],
        session_key="matrix-bobs-other-browser",
        created_at=now,
        last_seen_at=now,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    )


TARGETS = {"bob-session": lambda w: {"session_id": w.bob_session.pk}}
GET_ONLY: set[str] = set()

BOBS_OTHER_BROWSER = Effect({}, lambda w: UserSession.objects.filter(pk=w.bob_session.pk).exists(), "bob")

ROWS = [
    get("accounts:session-revoke", "bob-session", POST_ONLY),
    post("accounts:session-revoke", "bob-session", "login 404 404 404 302 404 404 404", BOBS_OTHER_BROWSER),
    get("accounts:sessions-revoke-others", "-", POST_ONLY),
    post("accounts:sessions-revoke-others", "-", "login 302 302 302 302 302 302 302", BOBS_OTHER_BROWSER),
]
