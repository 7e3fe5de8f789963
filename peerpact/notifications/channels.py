"""Delivery channels for outbox messages. Each raises on failure; the outbox decides about retries."""

from __future__ import annotations

import logging

from peerpact.notifications.models import Channel, ChatTarget, Message
from peerpact.notifications.services import absolute_url, chat_deliver, email_render, text_render
from peerpact.notifications.unsubscribe import unsubscribe_path

logger = logging.getLogger(__name__)


def delivered_by_mark(channel: str) -> bool:
    """In-app messages go nowhere: marking them sent delivers them (the outbox does that in bulk)."""
    return channel == Channel.INAPP


def send(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        _send_email(message)
    elif message.channel == Channel.INAPP:
        return  # delivered by being marked sent: the notification centre shows sent in-app rows
    elif message.channel == Channel.CHAT:
        _send_chat(message)
    else:
        raise ValueError(f"unknown channel {message.channel!r}")


CHAT_SENT_TO = "_chat_sent_to"  # in Message.context; templates cannot read names starting with _


class ChatDeliveryFailed(Exception):
    """At least one of the person's chat targets did not take the message; the outbox retries."""


def _send_group_chat(message: Message) -> None:
    from peerpact.notifications.notify import GROUP_LANGUAGE, GROUP_ZONE

    target = message.chat_target
    if target is None or not target.is_active:
        logger.info("outbox: message %s: its group chat target is gone or switched off", message.pk)
        return
    title, text = text_render(
        template=message.template,
        context={**message.context, **({"url": message.url} if message.url else {})},
        language=message.context.get(GROUP_LANGUAGE, ""),
        zone=message.context.get(GROUP_ZONE, ""),
    )
    body = text.strip()
    link = absolute_url(message.url) if message.url else ""
    if link and link not in body:
        body = f"{body}\n\n{link}"
    [(_target, outcome)] = chat_deliver(targets=[target], title=title, body=body)
    if not outcome.ok:
        raise ChatDeliveryFailed(f"{target.masked_url}: {outcome.error}")


def _send_chat(message: Message) -> None:
    if message.recipient_id is None:
        _send_group_chat(message)
        return
    recipient = message.recipient
    if recipient is None or not recipient.is_active:
        raise ValueError("the recipient's account is not active")
    # Targets that took this message on an earlier attempt are not sent it again on a retry.
    done = set(message.context.get(CHAT_SENT_TO, []))
    targets = [t for t in ChatTarget.objects.active().personal(recipient).order_by("pk") if t.pk not in done]
    if not targets:
        # notify() only queues chat for people with a target; theirs was removed since. Nothing to do.
        logger.info("outbox: message %s has no chat target left to send to", message.pk)
        return
    title, text = text_render(
        template=message.template,
        context={**message.context, "recipient": recipient, **({"url": message.url} if message.url else {})},
        language=getattr(recipient, "language", ""),
        zone=getattr(recipient, "timezone", ""),
    )
    body = text.strip()
    link = absolute_url(message.url) if message.url else ""
    if link and link not in body:
        body = f"{body}\n\n{link}"
    results = chat_deliver(targets=targets, title=title, body=body)
    failed = [(t, o) for t, o in results if not o.ok]
    if failed:
        # Remember who has it, so the retry goes only to the others (no copies in the working chats).
        message.context = {**message.context, CHAT_SENT_TO: sorted(done | {t.pk for t, o in results if o.ok})}
        Message.objects.filter(pk=message.pk).update(context=message.context)
        raise ChatDeliveryFailed("; ".join(f"{t.masked_url}: {o.error}" for t, o in failed))


def _send_email(message: Message) -> None:
    from peerpact.notifications.outbox import message_id

    recipient = message.recipient
    if recipient is None:
        raise ValueError("an email needs a recipient")
    unsubscribe = absolute_url(unsubscribe_path(user_id=recipient.pk, kind=message.kind))
    if not recipient.is_active or not recipient.email:
        raise ValueError("the recipient has no active email address")
    email = email_render(
        to=recipient.email,
        template=message.template,
        context={**message.context, "recipient": recipient, **({"url": message.url} if message.url else {})},
        language=getattr(recipient, "language", ""),
        zone=getattr(recipient, "timezone", ""),
        headers={
            "Message-ID": message_id(message),
            "X-PeerPact-Kind": message.kind,
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    # Apps may attach small files as text in the JSON context, e.g. an .ics invitation.
    for attachment in message.context.get("attachments", []):
        email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    email.send()
