"""Who is calling: a personal access token (Authorization: Bearer …) or the site's session.

The API root identifies the caller once per request (`identify`, before the rate limit, which counts
per token, per signed-in user or per address); ninja's auth classes then only read that result, so
their security schemes still appear in the OpenAPI schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from peerpact.api import services
from peerpact.api.models import ApiToken
from peerpact.lib.apikit import WRITE, ApiError


@dataclass(frozen=True)
class Caller:
    user: Any | None  # None: anonymous, or a bearer token that is not usable
    token: ApiToken | None = None
    bad_token: bool = False

    @property
    def rate_key(self) -> str:
        if self.token is not None:
            return f"token:{self.token.pk}"
        if self.user is not None:
            return f"user:{self.user.pk}"
        return ""  # anonymous: the caller's address (ratelimit.client_address)


def _bearer(request: HttpRequest) -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def identify(request: HttpRequest) -> Caller:
    """Resolve the caller and note on the request what a token allows (read by peerpact.lib.apikit)."""
    presented = _bearer(request)
    if presented is not None:
        token = services.token_authenticate(presented=presented)
        if token is None:
            caller = Caller(user=None, bad_token=True)
        else:
            caller = Caller(user=token.user, token=token)
            request.api_scope = token.scope  # type: ignore[attr-defined]
            request.api_community_id = token.community_id  # type: ignore[attr-defined]
            request.api_via = "token"  # type: ignore[attr-defined]
    else:
        user = getattr(request, "user", None)
        caller = Caller(user=user if user is not None and user.is_authenticated else None)
    request.api_caller = caller  # type: ignore[attr-defined]
    return caller


def _caller(request: HttpRequest) -> Caller:
    caller = getattr(request, "api_caller", None)
    return caller if caller is not None else identify(request)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pp_…`: a personal access token from /profile/tokens/."""

    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        caller = _caller(request)
        if caller.token is None:
            raise AuthenticationError(message=_("This token is unknown, revoked or expired."))
        return caller.user


class SessionAuth(APIKeyCookie):
    """The site's own session cookie. Changes need the CSRF token (X-CSRFToken), as htmx sends it."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, only for signed-in callers

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        caller = _caller(request)
        if caller.user is None or caller.token is not None:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and check_csrf(request):
            raise ApiError(403, "csrf_failed", _("Send the CSRF token (X-CSRFToken header) with changes."))
        request.api_scope = WRITE  # type: ignore[attr-defined]
        return caller.user


AUTH = [TokenAuth(), SessionAuth()]
