"""Small helpers for views that answer both full-page and htmx requests."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def hx_trigger(response: HttpResponse, events: dict[str, Any]) -> HttpResponse:
    """Attach an HX-Trigger header (client-side events) to a response."""
    response["HX-Trigger"] = json.dumps(events)
    return response
