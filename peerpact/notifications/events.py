"""Domain events: a tiny registry so lower apps can say "this happened" without knowing who listens.

A service calls `emit("checkin.submitted", checkin, community_id=...)` at the end of its write; higher
apps (webhooks) `subscribe` in their AppConfig.ready(). Knows no domain: the subject is whatever object
the event is about, and each subscriber decides what to read from it.

Subscribers run right away, inside the caller's transaction, each in its own savepoint:

- what they write (e.g. webhook delivery rows) commits together with the change that caused it, and
  is rolled back with it — nothing is announced for a check-in that was never saved, and a crash just
  after the commit loses nothing (an `on_commit` callback could not promise that);
- a subscriber that fails is logged and rolled back to its savepoint; the caller's write goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    type: str  # e.g. "checkin.submitted"
    subject: Any  # the object the event is about (a Checkin, a Goal …)
    community_id: int
    occurred_at: datetime


Subscriber = Callable[[Event], object]  # what it returns is ignored

_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Add a subscriber (usable as a decorator). Subscribing twice is harmless."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def emit(event_type: str, subject: Any, *, community_id: int, at: datetime | None = None) -> None:
    """Tell every subscriber that `event_type` happened to `subject` in a community. Never raises."""
    if not _subscribers:
        return
    event = Event(
        type=event_type, subject=subject, community_id=community_id, occurred_at=at or timezone.now()
    )
    for subscriber in list(_subscribers):
        try:
            with transaction.atomic():
                subscriber(event)
        except Exception:
            logger.exception("events: subscriber %r failed on %s", subscriber, event_type)
