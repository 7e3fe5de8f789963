"""Reads of a person's in-app notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string

from peerpact.notifications.models import Channel, Message, MessageState


@dataclass
class Notice:
    message: Message
    title: str
    body: str


def inbox_for(*, user: Any, limit: int = 50) -> list[Notice]:
    """The newest in-app notifications, rendered in the viewer's (active) language."""
    rows = Message.objects.filter(recipient=user, channel=Channel.INAPP, state=MessageState.SENT).order_by(
        "-sent_at", "-pk"
    )[:limit]
    return [notice_for(message=message, user=user) for message in rows]


def notice_for(*, message: Message, user: Any) -> Notice:
    """One in-app notification rendered for its recipient (the centre and the JSON API)."""
    context = {**message.context, "recipient": user, "url": message.url}
    title = render_to_string(f"{message.template}_subject.txt", context).strip()
    body = render_to_string(f"{message.template}.txt", context).strip()
    return Notice(message=message, title=title, body=body)


def unread_count(*, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.unread_inapp(user).count()
