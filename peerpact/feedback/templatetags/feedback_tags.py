"""Panels the feedback app puts on pages of lower apps (the check-in page and the board)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from peerpact.checkins.models import Checkin
from peerpact.circles.models import Circle
from peerpact.feedback import pages, selectors

register = template.Library()


@register.inclusion_tag("feedback/partials/_support.html", takes_context=True)
def checkin_support(context: template.Context, checkin: Checkin) -> dict[str, Any]:
    """Kudos, comments, feedback (with the guide) and help offers under a check-in."""
    request = context["request"]
    circle = context.get("circle") or checkin.membership.circle
    return pages.support_context(request, circle, checkin, context.get("support_forms"))


@register.inclusion_tag("feedback/partials/_board_panel.html", takes_context=True)
def support_panel(context: template.Context, circle: Circle) -> dict[str, Any]:
    """ "Open help requests" with "I can help", and the latest wins with a link to the feed."""
    request = context["request"]
    return {
        **pages.help_context(request, circle, where="board"),
        "recent_wins": selectors.recent_wins(circle=circle, viewer=request.user, now=timezone.now()),
    }
