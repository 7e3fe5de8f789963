"""A template builtin (settings.TEMPLATES) for showing an instant the way the viewer reads it.

`{{ value|zoned }}` or `{{ value|zoned:"j M, H:i" }}` renders
`<time datetime="2026-11-24T07:30:00+00:00">24 Nov, 08:30 (Europe/Madrid)</time>`: the viewer's
current time zone (UserPreferencesMiddleware activates it), the active language's month and day names,
the zone named, and the exact instant for machines and screen readers. Every time of day on a page goes
through it, so nobody has to guess whose clock a time is on.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def zone_name(value: datetime) -> str:
    """The IANA name of the zone `value` is in ("Europe/Madrid"), else whatever the zone calls itself."""
    zone = value.tzinfo
    return str(getattr(zone, "key", None) or (zone.tzname(value) if zone else "") or "UTC")


@register.filter(expects_localtime=True)
def zoned(value: datetime | None, fmt: str = "DATETIME_FORMAT") -> SafeString | str:
    if not isinstance(value, datetime):
        return "" if value in (None, "") else str(value)
    if timezone.is_naive(value):  # only tests and fixtures make these; read them as the current zone
        value = timezone.make_aware(value)
    return format_html(
        '<time datetime="{}">{} ({})</time>',
        value.astimezone(UTC).isoformat(),
        date_filter(value, fmt),
        zone_name(value),
    )
