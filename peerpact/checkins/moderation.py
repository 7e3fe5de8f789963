"""Check-ins as a kind of content members can report and organizers can moderate (safety.registry)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from peerpact.safety import registry


def _url(checkin: Any) -> str:
    circle = checkin.membership.circle
    return reverse(
        "checkins:checkin-detail",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "checkin_id": checkin.pk},
    )


def _excerpt(checkin: Any) -> str:
    text = " · ".join(part for part in (checkin.wins, checkin.blockers, checkin.help_request) if part)
    return Truncator(text).chars(240)


def _can_view(user: Any, checkin: Any) -> bool:
    from peerpact.checkins import access

    return bool(checkin.is_submitted) and access.can_view_checkin(user, checkin)


def register() -> None:
    from peerpact.checkins.models import Checkin

    registry.register(
        registry.ContentKind(
            name="checkin",
            label=_("check-in"),
            model=Checkin,
            circle_of=lambda checkin: checkin.membership.circle,
            author_of=lambda checkin: checkin.membership.user,
            excerpt_of=_excerpt,
            url_of=_url,
            text_fields=("wins", "blockers", "help_request"),
            can_view=_can_view,
        )
    )
