from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from peerpact.accounts.models import User, UserSession

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore


def user_update_profile(
    *, user: User, display_name: str, pronouns: str, timezone: str, language: str
) -> User:
    """Save a person's profile preferences."""
    user.display_name = display_name.strip()
    user.pronouns = pronouns.strip()
    user.timezone = timezone
    user.language = language
    user.full_clean()
    user.save(update_fields=["display_name", "pronouns", "timezone", "language"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Remember the language a person picked (the footer's switcher): it now beats their browser's."""
    user.language = language
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name != "language"])
    user.save(update_fields=["language"])
    return user


# --- Signed-in sessions (UserSession) ----------------------------------------------------------------

SESSION_TOUCH_EVERY = timedelta(minutes=5)  # how stale "last seen" may get, to spare a write per request


def ip_prefix(address: str) -> str:
    """The address with its host part blanked (203.0.113.x, 2001:db8:1::): enough to recognise, no more."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False).network_address)


def user_session_record(
    *, user: User, request: HttpRequest, now: datetime, previous_key: str | None = None
) -> UserSession | None:
    """Note the request's session as one of the user's (at sign-in, or when first seen after a key change:
    a password change keeps you signed in under a new key, and the row follows it)."""
    key = request.session.session_key
    if not key:
        return None
    if previous_key and previous_key != key:
        UserSession.objects.filter(session_key=previous_key, user=user).exclude(
            pk__in=UserSession.objects.filter(session_key=key).values("pk")
        ).update(session_key=key)
    found, _created = UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "last_seen_at": now,
            "user_agent": request.headers.get("User-Agent", "")[:200],
            "ip_prefix": ip_prefix(request.META.get("REMOTE_ADDR", "")),
        },
        create_defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "user_agent": request.headers.get("User-Agent", "")[:200],
            "ip_prefix": ip_prefix(request.META.get("REMOTE_ADDR", "")),
        },
    )
    return found


def _end(sessions: Iterable[UserSession]) -> int:
    ended = 0
    for found in sessions:
        SessionStore(session_key=found.session_key).delete()
        found.delete()
        ended += 1
    return ended


def user_session_revoke(*, actor: User, session_id: int) -> None:
    """Sign one of your own sessions out: it is deleted from the session store, so its cookie is worthless."""
    found = UserSession.objects.filter(pk=session_id, user=actor).first()
    if found is None:
        raise PermissionDenied(_("That session is not one of yours, or it has already ended."))
    _end([found])


def user_sessions_revoke_others(*, user: User, keep_key: str | None) -> int:
    """Sign out every session of the user but `keep_key` (None: all of them). Returns how many ended."""
    others = UserSession.objects.filter(user=user).exclude(session_key=keep_key or "")
    return _end(list(others))
