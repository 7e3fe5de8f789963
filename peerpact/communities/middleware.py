"""Communities that require two-factor authentication: members without it are sent to set it up first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from peerpact.communities import access

# Pages of a community that stay open without MFA: the explanation itself, and leaving.
MFA_EXEMPT = {"communities:mfa-required", "communities:leave"}


class CommunityMfaMiddleware:
    """Every page under /c/<slug>/ of a community with require_mfa answers a member who has no second
    factor with a redirect to communities:mfa-required (why, how, and a link back). Other communities,
    and everyone who is not a member (they get the view's usual 404), are left alone. The JSON API makes
    the same check in peerpact.lib.apikit.check_community (403 mfa_required)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or not match.route.startswith("c/") or match.view_name in MFA_EXEMPT:
            return None
        slug = kwargs.get("community") or kwargs.get("slug")
        if not isinstance(slug, str) or not access.mfa_missing(request.user, slug=slug):
            return None
        target = reverse("communities:mfa-required", kwargs={"slug": slug})
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


def api_check(request: HttpRequest, community_id: int) -> None:
    """The API's side (registered in apikit.COMMUNITY_CHECKS by the app config)."""
    from django.utils.translation import gettext as _

    from peerpact.lib.apikit import ApiError, caller

    if access.mfa_missing(caller(request), community_id=community_id):
        raise ApiError(
            403,
            "mfa_required",
            _("This community requires two-factor authentication. Set it up in your profile, then retry."),
        )
