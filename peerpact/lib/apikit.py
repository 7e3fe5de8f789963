"""Domain-free pieces every app's api.py shares: the error type, the caller's token limits, pagination.

The API root (peerpact.api) authenticates the request and records on it what a personal access token
allows (`request.api_scope`, `request.api_community_id`); app routers read those through the helpers
here, so no app below peerpact.api imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

T = TypeVar("T")

READ = "read"
WRITE = "write"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class ApiError(Exception):
    """An error answered as {"error": {"code", "message", "details"}} with `status`."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


# The largest id or number a filter may name: what every supported database's integer column holds.
# Larger values would make SQLite raise (a 500) instead of simply matching nothing.
MAX_DB_INT = 2**31 - 1


class PageParams(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="How many results (1–200).")
    offset: int = Field(0, ge=0, le=1_000_000, description="How many results to skip.")


def page[T](items: QuerySet[Any] | Sequence[T], params: PageParams) -> tuple[int, list[Any]]:
    """(count of all items, the slice asked for)."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return count, list(items[params.offset : params.offset + params.limit])


def page_body[T](items: QuerySet[Any] | Sequence[T], params: PageParams, render: Any) -> dict[str, Any]:
    count, chosen = page(items, params)
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "results": [render(item) for item in chosen],
    }


def token_community_id(request: HttpRequest) -> int | None:
    """The one community a community-limited token may reach; None: no limit (or a session)."""
    return getattr(request, "api_community_id", None)


# Further checks on reaching a community's objects, added by the apps that own them (lib knows no app):
# communities adds "a member without a second factor in a community that requires it: 403 mfa_required".
COMMUNITY_CHECKS: list[Callable[[HttpRequest, int], None]] = []


def check_community(request: HttpRequest, community_id: int) -> None:
    """A community-limited token sees nothing of other communities: they do not exist for it (404)."""
    limit = token_community_id(request)
    if limit is not None and limit != community_id:
        raise Http404
    if not 0 < community_id <= MAX_DB_INT:
        raise Http404  # no such row can exist; the checks below would query with it
    for check in COMMUNITY_CHECKS:
        check(request, community_id)


def require_write(request: HttpRequest) -> None:
    """Refuse a change made with a read-only token (sessions and write tokens may write)."""
    if getattr(request, "api_scope", WRITE) != WRITE:
        raise ApiError(403, "insufficient_scope", _("This token may only read. Create a read-write token."))


def caller(request: HttpRequest) -> Any:
    """The user the API acts for (set by the API root's authentication)."""
    return request.auth  # type: ignore[attr-defined]


def auth_summary(request: HttpRequest) -> dict[str, Any]:
    """How the caller authenticated and what that allows, for GET /me."""
    via = getattr(request, "api_via", "session")
    return {
        "method": via,
        "scope": getattr(request, "api_scope", WRITE),
        "community_id": token_community_id(request),
    }
