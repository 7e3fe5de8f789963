"""Comments and feedback as content kinds the safety app can report and moderate."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from peerpact.safety.registry import ContentKind, register

EXCERPT = 140


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _url(obj: Any, anchor: str) -> str:
    from peerpact.feedback.services import checkin_url

    return checkin_url(obj.checkin, f"{anchor}-{obj.pk}")


def _can_view(user: Any, obj: Any) -> bool:
    """Whoever may see the check-in it is on may see (and so report) a visible comment or feedback."""
    from peerpact.checkins import access as checkin_access
    from peerpact.communities import access as community_access

    if obj.author_id == getattr(user, "pk", None):
        return True
    if community_access.is_community_manager(user, obj.checkin.membership.circle.community):
        return True
    return bool(obj.is_visible) and checkin_access.can_view_checkin(user, obj.checkin)


def register_content_kinds() -> None:
    from peerpact.feedback.models import Comment, Feedback

    register(
        ContentKind(
            name="comment",
            label=_("comment"),
            model=Comment,
            circle_of=lambda c: c.checkin.membership.circle,
            author_of=lambda c: c.author,
            excerpt_of=lambda c: _short(c.body),
            url_of=lambda c: _url(c, "comment"),
            text_fields=("body",),
            can_view=_can_view,
        )
    )
    register(
        ContentKind(
            name="feedback",
            label=_("feedback"),
            model=Feedback,
            circle_of=lambda f: f.checkin.membership.circle,
            # Moderation is for organizers, who may see who wrote anonymous feedback.
            author_of=lambda f: f.author,
            excerpt_of=lambda f: _short(" / ".join(t for t in (f.worked, f.suggestion, f.question) if t)),
            url_of=lambda f: _url(f, "feedback"),
            text_fields=("worked", "suggestion", "question"),
            can_view=_can_view,
        )
    )
