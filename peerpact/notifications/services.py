"""Messages to people. Knows no domain: apps pass a template and a context.

Until the outbox lands (the notifications issue), mail is sent directly after the
transaction that caused it commits.
"""

from __future__ import annotations

import email.policy
import logging
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    return path if path.startswith(("http://", "https://")) else f"{settings.SITE_URL}{path}"


class PeerPactEmail(EmailMultiAlternatives):
    """Email whose long header values (the List-Unsubscribe URL) stay literal.

    With the default 78-character folding, a URL longer than a line is turned into RFC 2047
    encoded-words, which mail clients do not read as a link. RFC 5322 allows lines up to 998 octets.
    """

    def message(self, *, policy: Any = None) -> Any:
        return super().message(policy=(policy or email.policy.default).clone(max_line_length=998))


def email_render(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str = "",
    headers: dict[str, str] | None = None,
    zone: str = "",
) -> EmailMultiAlternatives:
    """Render `<template>_subject.txt`, `.txt` and `.html` in the recipient's language and time zone."""
    context = {**context, "site_url": settings.SITE_URL}
    if "url" in context:
        context["url"] = absolute_url(context["url"])
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(_zone_or_utc(zone)):
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = PeerPactEmail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body=text, to=[to], headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    return message


def _zone_or_utc(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def email_send(*, to: str, template: str, context: dict[str, Any], language: str = "") -> None:
    """Render an email in the recipient's language and send it now."""
    email_render(to=to, template=template, context=context, language=language).send()


def inbox_mark_read(*, user: Any, message_id: int | None = None) -> int:
    """Mark one in-app notification (or all of them) as read. Returns how many changed."""
    from django.utils import timezone

    from peerpact.notifications.models import Message

    unread = Message.objects.unread_inapp(user)
    if message_id is not None:
        unread = unread.filter(pk=message_id)
    return unread.update(read_at=timezone.now())


def preference_update(
    *, user: Any, muted: list[str], quiet_from: Any, quiet_until: Any, daily_cap: int
) -> Any:
    """Save how a person wants to hear from PeerPact."""
    from peerpact.notifications.notify import preference_for

    preference = preference_for(user)
    preference.muted = sorted(set(muted))
    preference.quiet_from, preference.quiet_until = quiet_from, quiet_until
    preference.daily_cap = daily_cap
    preference.full_clean()
    preference.save(update_fields=["muted", "quiet_from", "quiet_until", "daily_cap"])
    return preference


def email_mute(*, user: Any, kind: str) -> Any:
    """Stop emails of one kind for one person (what an unsubscribe link does)."""
    from peerpact.notifications.notify import preference_for

    preference = preference_for(user)
    key = f"{kind}:email"
    if key not in preference.muted:
        preference.muted = sorted({*preference.muted, key})
        preference.save(update_fields=["muted"])
    return preference
