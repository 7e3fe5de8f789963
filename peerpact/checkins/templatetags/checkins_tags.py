"""Tags for check-in pages whose output repeats in every cell of a grid."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from peerpact.checkins.selectors import Cell

register = template.Library()

# state_badge renders checkins/partials/_state.html once per (language, state) and reuses it: the
# tracker shows up to 52 cycles for each of the circle's members, and an include per cell was two thirds of
# its time. The partial stays the one place the badges are written.
_badges: dict[tuple[str, str], SafeString] = {}


@register.simple_tag
def state_badge(state: str | None) -> SafeString:
    """A member's state in a cycle: icon and word, never colour alone."""
    key = (translation.get_language() or "", str(state or ""))
    badge = _badges.get(key)
    if badge is None:
        # Our own template, rendered with autoescape on: already safe.
        badge = mark_safe(render_to_string("checkins/partials/_state.html", {"state": state}).strip())  # noqa: S308
        _badges[key] = badge
    return badge


@register.simple_tag
def tracker_cell(cell: Cell) -> SafeString:
    """One tracker cell: the state badge and, when commitments were due, how many were done."""
    badge = state_badge(cell.state)
    if not cell.total:
        return badge
    done_text = gettext("%(done)s/%(total)s done") % {"done": cell.done, "total": cell.total}
    return format_html('{}<br><span class="small">{}</span>', badge, done_text)
