"""Time-zone helpers shared by every app."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache


@lru_cache(maxsize=1)
def timezone_choices() -> list[tuple[str, str]]:
    """All IANA zones, sorted, as form choices; UTC first."""
    zones = sorted(zoneinfo.available_timezones() - {"UTC", "localtime", "Factory"})
    return [("UTC", "UTC"), *((zone, zone.replace("_", " ")) for zone in zones)]


def is_valid_timezone(name: str) -> bool:
    if not name or name in {"localtime", "Factory"}:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
