"""View helpers shared by every app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def forbidden(request: HttpRequest, exc: PermissionDenied | str) -> HttpResponse:
    """A 403 page that says why, instead of a bare error."""
    reason = str(exc) if str(exc) else None
    return render(request, "403.html", {"reason": reason}, status=403)
