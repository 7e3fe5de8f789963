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
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peerpact.notifications import chat
from peerpact.notifications.models import ChatTarget

logger = logging.getLogger(__name__)

# Enough for a few chats per person or group; a cap keeps one account from fanning out without end.
MAX_CHAT_TARGETS = 10


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
    subject, text, html = _render(template=template, context=context, language=language, zone=zone, html=True)
    message = PeerPactEmail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body=text, to=[to], headers=headers or {}
    )
    message.attach_alternative(html, "text/html")
    return message


def text_render(
    *, template: str, context: dict[str, Any], language: str = "", zone: str = ""
) -> tuple[str, str]:
    """Render `<template>_subject.txt` and `.txt` (a title and a plain text) as an email would read."""
    subject, text, _html = _render(template=template, context=context, language=language, zone=zone)
    return subject, text


def _render(
    *, template: str, context: dict[str, Any], language: str, zone: str, html: bool = False
) -> tuple[str, str, str]:
    context = {**context, "site_url": settings.SITE_URL}
    if "url" in context:
        context["url"] = absolute_url(context["url"])
    with translation.override(language or settings.LANGUAGE_CODE), timezone.override(_zone_or_utc(zone)):
        subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
        text = render_to_string(f"{template}.txt", context)
        markup = render_to_string(f"{template}.html", context) if html else ""
    return subject, text, markup


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


def chat_target_add(
    *,
    url: str,
    actor: Any,
    label: str = "",
    owner: Any = None,
    scope: str = "",
    scope_id: int | None = None,
) -> ChatTarget:
    """Save a chat target for one person (`owner`) or for a group (`scope`, `scope_id`) once its URL passes.

    A person may only add their own targets. For a group, the app that owns the scope has already decided
    that `actor` may manage it: notifications knows nothing about circles.
    """
    if owner is not None and not scope and scope_id is None:
        if getattr(actor, "pk", None) != owner.pk:
            raise PermissionDenied(_("You can only add chat targets for yourself."))
        existing = ChatTarget.objects.personal(owner)
    elif owner is None and scope and scope_id is not None:
        existing = ChatTarget.objects.for_scope(scope, scope_id)
    else:
        raise ValueError("give either an owner or a scope with its id")
    url, label = url.strip(), label.strip()
    problem = chat.url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    if existing.count() >= MAX_CHAT_TARGETS:
        raise ValidationError(
            _("There are already %(count)d chat targets here. Remove one first.")
            % {"count": MAX_CHAT_TARGETS}
        )
    target = ChatTarget(url=url, label=label, owner=owner, scope=scope, scope_id=scope_id, created_by=actor)
    target.full_clean()
    target.save()
    return target


def chat_target_remove(*, target: ChatTarget, actor: Any) -> None:
    """Delete a chat target, and the secret in its URL with it. Group targets: the caller checked `actor`."""
    if target.owner_id is not None and target.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("You can only remove your own chat targets."))
    target.delete()


def chat_deliver(
    *, targets: list[ChatTarget], title: str, body: str
) -> list[tuple[ChatTarget, chat.Outcome]]:
    """Send one message to each target now and note on each how it went (shown to whoever manages it)."""
    results = []
    for target in targets:
        outcome = chat.send(url=target.url, title=title, body=body)
        if outcome.ok:
            target.last_success_at, target.last_error = timezone.now(), ""
        else:
            target.last_error = outcome.error
        # An UPDATE, not save(): the owner may have removed the target while it was being sent to.
        ChatTarget.objects.filter(pk=target.pk).update(
            last_success_at=target.last_success_at, last_error=target.last_error
        )
        results.append((target, outcome))
    return results


def chat_target_test(*, target: ChatTarget, actor: Any) -> chat.Outcome:
    """Send a test message to a target right away; the outcome says whether it arrived or why not."""
    if target.owner_id is not None and target.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("You can only test your own chat targets."))
    with translation.override(getattr(actor, "language", "") or translation.get_language()):
        title = _("PeerPact test message")
        body = _("It works: PeerPact can reach this chat.") + f"\n\n{settings.SITE_URL}/"
    [(_target, outcome)] = chat_deliver(targets=[target], title=title, body=body)
    return outcome
