"""View helpers shared by every app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme


def forbidden(request: HttpRequest, exc: PermissionDenied | str) -> HttpResponse:
    """A 403 page that says why, instead of a bare error."""
    reason = str(exc) if str(exc) else None
    return render(request, "403.html", {"reason": reason}, status=403)


def local_path(request: HttpRequest, target: str, fallback: str) -> str:
    """`target` when it is a path on this site (a `next`), else `fallback`. Another host, a scheme, or a
    bare word (which redirect() would read as a URL name, failing when none matches) fall back."""
    host = {request.get_host()}
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts=host, require_https=request.is_secure())
    return target if safe and target.startswith("/") else fallback
