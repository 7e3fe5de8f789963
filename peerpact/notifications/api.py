"""The caller's in-app notifications in the JSON API: list them, mark one or all read.

Notifications know no domain (a message carries no community), so a token limited to one community
cannot read them: they could tell of any of the person's communities.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from peerpact.lib.apikit import ApiError, PageParams, caller, page, require_write, token_community_id
from peerpact.notifications import selectors, services
from peerpact.notifications.models import Channel, Message, MessageState

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    sent_at: datetime | None
    read_at: datetime | None
    is_read: bool


class NotificationPage(Schema):
    count: int
    limit: int
    offset: int
    unread_count: int
    results: list[NotificationOut]


class NotificationFilters(PageParams):
    unread: bool = Field(False, description="Only notifications not read yet.")


class MarkedOut(Schema):
    marked: int  # how many notifications changed from unread to read


def _personal(request: HttpRequest) -> Any:
    user = caller(request)
    if token_community_id(request) is not None:
        raise ApiError(
            403,
            "community_limited_token",
            _("Notifications can be about any of your communities: use a token not limited to one."),
        )
    return user


def _inbox(user: Any) -> Any:
    return Message.objects.filter(recipient=user, channel=Channel.INAPP, state=MessageState.SENT)


def notification_out(message: Message, user: Any) -> dict[str, Any]:
    notice = selectors.notice_for(message=message, user=user)
    url = message.url
    return {
        "id": message.pk,
        "kind": message.kind,
        "title": notice.title,
        "body": notice.body,
        "url": settings.SITE_URL + url if url.startswith("/") else url,
        "sent_at": message.sent_at,
        "read_at": message.read_at,
        "is_read": message.read_at is not None,
    }


@router.get(
    "/me/notifications",
    response=NotificationPage,
    url_name="notifications",
    summary="My in-app notifications",
)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, Any]:
    """Newest first, as in the notification centre."""
    user = _personal(request)
    rows = _inbox(user).order_by("-sent_at", "-pk")
    if filters.unread:
        rows = rows.filter(read_at__isnull=True)
    count, chosen = page(rows, filters)
    return {
        "count": count,
        "limit": filters.limit,
        "offset": filters.offset,
        "unread_count": selectors.unread_count(user=user),
        "results": [notification_out(m, user) for m in chosen],
    }


@router.post(
    "/me/notifications/read",
    response=MarkedOut,
    url_name="notifications-read-all",
    summary="Mark all my notifications read",
)
def notification_read_all(request: HttpRequest) -> dict[str, int]:
    require_write(request)
    user = _personal(request)
    return {"marked": services.inbox_mark_read(user=user)}


@router.post(
    "/me/notifications/{int:message_id}/read",
    response=NotificationOut,
    url_name="notification-read",
    summary="Mark one notification read",
)
def notification_read(request: HttpRequest, message_id: int) -> dict[str, Any]:
    require_write(request)
    user = _personal(request)
    message = _inbox(user).filter(pk=message_id).first()
    if message is None:
        raise Http404
    services.inbox_mark_read(user=user, message_id=message.pk)
    message.refresh_from_db(fields=["read_at"])
    return notification_out(message, user)
