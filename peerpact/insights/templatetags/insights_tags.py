from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """A 0..1 share as a whole percentage; a dash when there is nothing to divide."""
    return "—" if value is None else f"{round(value * 100)}%"


@register.filter
def share(counts: object, part: str) -> str:
    """counts.share(part) as a percentage (Counts from insights.selectors)."""
    return pct(counts.share(part))  # type: ignore[attr-defined]
