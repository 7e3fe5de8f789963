from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from peerpact.accounts import services


class UserPreferencesMiddleware:
    """Activate the signed-in person's time zone and chosen language for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class SessionTrackingMiddleware:
    """Keep the signed-in person's UserSession row (profile → Signed-in sessions) up to date.

    A session not yet known (its key changed, or it predates the table) gets its row; "last seen" is
    written at most every SESSION_TOUCH_EVERY, remembered in the session itself, so most requests write
    nothing. Requests with an API token carry no session and are left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and user.is_authenticated and session is not None and session.session_key:
            now = timezone.now()
            seen = session.get(SEEN)
            every = services.SESSION_TOUCH_EVERY.total_seconds()
            if not seen or seen[0] != session.session_key or now.timestamp() - seen[1] >= every:
                session_seen(request, user, now)
        return self.get_response(request)


SEEN = "_peerpact_session_seen"  # [session key, unix time of the last write]


def session_seen(request: HttpRequest, user: Any, now: datetime) -> None:
    seen = request.session.get(SEEN)
    previous = seen[0] if seen else None
    services.user_session_record(user=user, request=request, now=now, previous_key=previous)
    request.session[SEEN] = [request.session.session_key, now.timestamp()]
