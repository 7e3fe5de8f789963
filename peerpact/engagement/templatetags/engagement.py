"""Panels the engagement app puts on other apps' pages: `{% load engagement %}{% pulse_prompt circle %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from peerpact.circles import access as circle_access
from peerpact.circles.models import Circle
from peerpact.engagement import access, selectors
from peerpact.engagement.models import PulseAnswer

register = template.Library()


@register.inclusion_tag("engagement/partials/_pulse_prompt.html", takes_context=True)
def pulse_prompt(context: dict[str, Any], circle: Circle) -> dict[str, Any]:
    """An open pulse: an invitation to members (or a note that they answered); a count for managers,
    and for facilitators and organizers a link to the circle's health."""
    request = context.get("request")
    user = getattr(request, "user", None)
    shown: dict[str, Any] = {"pulse": None, "circle": circle, "community": circle.community}
    if user is None or not access.can_view_pulse(user, circle):
        return shown
    shown["can_view_health"] = access.can_view_health(user, circle)
    pulse = selectors.pulse_open_for(circle=circle, now=timezone.now())
    if pulse is None:
        return shown
    membership = circle_access.membership_in(user, circle)
    may_answer = access.can_answer_pulse(user, membership)
    answered = may_answer and PulseAnswer.objects.filter(pulse=pulse, membership=membership).exists()
    shown.update(
        pulse=pulse,
        may_answer=may_answer,
        answered=answered,
        count=PulseAnswer.objects.filter(pulse=pulse).count(),
        needed=selectors.MIN_ANSWERS,
    )
    return shown
