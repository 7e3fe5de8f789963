"""The kinds of content that can be reported and moderated. Apps register theirs in AppConfig.ready().

Safety knows no domain beyond circles: each kind says how to find the circle a piece of content belongs
to (organizers of that circle's community moderate it), who wrote it, a short excerpt, where it is shown,
and which fields to blank when it is removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class ContentKind:
    name: str  # e.g. "checkin", "comment", "feedback": part of URLs and audit rows
    label: str | Promise
    model: type[Any]  # a subclass of safety.models.Moderatable
    circle_of: Callable[[Any], Any]
    author_of: Callable[[Any], Any]
    excerpt_of: Callable[[Any], str]
    url_of: Callable[[Any], str]
    text_fields: tuple[str, ...] = field(default=())  # blanked on removal


_kinds: dict[str, ContentKind] = {}


def register(kind: ContentKind) -> ContentKind:
    _kinds[kind.name] = kind
    return kind


def get(name: str) -> ContentKind | None:
    return _kinds.get(name)


def all_kinds() -> list[ContentKind]:
    return list(_kinds.values())
