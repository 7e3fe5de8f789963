"""Sign-in, sign-out and password events keep the UserSession table (accounts.models) true.

Receivers, because the events are Django's and allauth's: they call services and nothing else.
"""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from peerpact.accounts import services
from peerpact.accounts.middleware import session_seen
from peerpact.accounts.models import UserSession


@receiver(user_logged_in, dispatch_uid="peerpact-session-in")
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and getattr(request, "session", None) is not None and request.session.session_key:
        session_seen(request, user, timezone.now())


@receiver(user_logged_out, dispatch_uid="peerpact-session-out")
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


@receiver(password_changed, dispatch_uid="peerpact-password-changed")
@receiver(password_set, dispatch_uid="peerpact-password-set")
@receiver(password_reset, dispatch_uid="peerpact-password-reset")
def _password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A new password ends every other session (the one that changed it stays signed in)."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    services.user_sessions_revoke_others(user=user, keep_key=key if request.user == user else None)
