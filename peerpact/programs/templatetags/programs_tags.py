from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from peerpact.lib.markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """User- or organizer-written markdown, sanitized (no raw HTML, safe link schemes only)."""
    return render_markdown(text or "")


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None
