"""/api/v1/…: ninja's routes, each behind the rate limit, plus JSON answers where ninja would send text
or HTML (an unknown path, a method the route lacks, the bare root)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from peerpact.api import idempotency, ratelimit
from peerpact.api.auth import identify
from peerpact.api.errors import default_message, error_response
from peerpact.api.root import NAMESPACE, api

app_name = NAMESPACE


def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Identify the caller, count the request against their limit, answer a retried POST with its
    Idempotency-Key from the stored answer (peerpact.api.idempotency), and keep every answer JSON."""

    def api_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caller = identify(request)
        verdict = ratelimit.hit(caller.rate_key or f"ip:{ratelimit.client_address(request)}")
        if not verdict.allowed:
            response = error_response(
                429,
                "rate_limited",
                default_message(429),
                {"limit_per_minute": verdict.limit, "retry_after": verdict.retry_after},
            )
            response["Retry-After"] = str(verdict.retry_after)
        else:
            response = idempotency.run(request, caller, lambda: view(request, *args, **kwargs))
            if response.status_code == 405 and not response.get("Content-Type", "").startswith(
                "application/json"
            ):
                allow = response.get("Allow", "")
                response = error_response(405, "method_not_allowed", default_message(405), {"allow": allow})
                response["Allow"] = allow
        response["X-RateLimit-Limit"] = str(verdict.limit)
        response["X-RateLimit-Remaining"] = str(verdict.remaining)
        return response

    # ninja checks CSRF itself for session callers (peerpact.api.auth.SessionAuth).
    api_view.csrf_exempt = True  # type: ignore[attr-defined]
    return api_view


def index(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/: where the schema and the docs are."""
    import json

    body = {
        "version": api.version,
        "openapi": request.build_absolute_uri(reverse(f"{NAMESPACE}:openapi-json")),
        "docs": request.build_absolute_uri(reverse(f"{NAMESPACE}:openapi-view")),
    }
    if request.method not in ("GET", "HEAD"):
        response = error_response(405, "method_not_allowed", default_message(405), {"allow": "GET, HEAD"})
        response["Allow"] = "GET, HEAD"
        return response
    return HttpResponse(json.dumps(body), content_type="application/json; charset=utf-8")


def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    return error_response(404, "not_found", _("There is no such API address."))


def _patterns() -> list[URLPattern]:
    routes, _app, _namespace = api.urls
    patterns = []
    for route in routes:
        assert isinstance(route, URLPattern)
        view = index if route.name == "api-root" else route.callback
        patterns.append(URLPattern(route.pattern, guarded(view), route.default_args, route.name))
    return patterns


urlpatterns = [
    *_patterns(),
    path("<path:rest>", guarded(not_found), name="not-found"),
]
