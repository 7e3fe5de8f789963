from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme


class AccountAdapter(DefaultAccountAdapter):
    """Send people back to where they were (e.g. an invitation) after signing up or in."""

    def _pending_next(self, request: HttpRequest) -> str | None:
        # Keep it until the person is really signed in (e.g. after verifying their email).
        if not request.user.is_authenticated:
            return None
        pending = request.session.pop("pending_next", None)
        if pending and url_has_allowed_host_and_scheme(pending, allowed_hosts={request.get_host()}):
            return str(pending)
        return None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return self._pending_next(request) or str(super().get_login_redirect_url(request))

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self._pending_next(request) or str(super().get_signup_redirect_url(request))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        context.setdefault("site_url", settings.SITE_URL)
        super().send_mail(template_prefix, email, context)

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=False)
        data = form.cleaned_data
        user.display_name = data.get("display_name", "") or ""
        tz = data.get("timezone") or "UTC"
        user.timezone = tz
        # The language they signed up in is their language from now on (emails and notifications are
        # written in it); the profile or the footer's switcher changes it.
        active = translation.get_language() or ""
        user.language = active if active in dict(settings.LANGUAGES) else ""
        if commit:
            user.save()
        return user
