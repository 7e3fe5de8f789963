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
    # May this user (a peer) see this piece of content? Without it: seated members of its circle and
    # organizers, and only while it is visible. Kinds with their own rules (private check-ins) pass theirs.
    can_view: Callable[[Any, Any], bool] | None = None


_kinds: dict[str, ContentKind] = {}


def register(kind: ContentKind) -> ContentKind:
    _kinds[kind.name] = kind
    return kind


def get(name: str) -> ContentKind | None:
    return _kinds.get(name)


def all_kinds() -> list[ContentKind]:
    return list(_kinds.values())


def kind_of(obj: Any) -> ContentKind | None:
    """The registered kind whose model `obj` is an instance of."""
    return next((kind for kind in _kinds.values() if isinstance(obj, kind.model)), None)
