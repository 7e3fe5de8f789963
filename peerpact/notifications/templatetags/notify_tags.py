from __future__ import annotations

from datetime import datetime

from django import template

register = template.Library()


@register.filter
def as_datetime(value: str) -> datetime | str:
    """An ISO 8601 string from a message's JSON context, as an aware datetime for |date."""
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
