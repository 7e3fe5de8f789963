"""Checks on people's text shared by the services (the forms check the same; the API and scripts
reach the services without them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def refuse_nul(**fields: Any) -> None:
    """Refuse text holding a NUL character (U+0000): PostgreSQL cannot store it in text or JSON, so
    it would fail at save time as a server error instead of coming back as bad input.

    Values may be strings or lists and dicts of them (links, drafts); other values are ignored."""
    bad = [name for name, value in fields.items() if _has_nul(value)]
    if bad:
        message = _("This text holds an invisible NUL character that cannot be stored; please retype it.")
        raise ValidationError(dict.fromkeys(bad, message))


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False
