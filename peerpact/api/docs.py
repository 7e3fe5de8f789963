"""The interactive API docs (Swagger UI) from ninja's bundled static files, under the site's strict CSP."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase


class LocalSwagger(DocsBase):
    """ninja's own page needs ninja's template; ours adds the CSP nonce and never falls back to a CDN."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            "persistAuthorization": False,
        }
        signed_in = bool(getattr(request, "user", None) and request.user.is_authenticated)
        return render(
            request, "api/docs.html", {"api": api, "swagger_settings": settings, "add_csrf": signed_in}
        )
