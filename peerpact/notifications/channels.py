"""Delivery channels for outbox messages. Each raises on failure; the outbox decides about retries."""

from __future__ import annotations

from peerpact.notifications.models import Channel, Message
from peerpact.notifications.services import absolute_url, email_render
from peerpact.notifications.unsubscribe import unsubscribe_path


def send(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        _send_email(message)
    elif message.channel == Channel.INAPP:
        return  # delivered by being marked sent: the notification centre shows sent in-app rows
    else:
        raise ValueError(f"unknown channel {message.channel!r}")


def _send_email(message: Message) -> None:
    from peerpact.notifications.outbox import message_id

    recipient = message.recipient
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
    email.send()
