"""Helpers shared by the check-in views."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone

from peerpact.checkins import access, services
from peerpact.circles.models import Circle
from peerpact.circles.views import circle_for


def board_circle(request: HttpRequest, community: str, circle: str) -> Circle:
    """The circle if the user may see inside it (members and managers); 404 otherwise.

    Also opens any cycle that is due, so pages are right even when no worker runs.
    """
    found = circle_for(request, community, circle)
    if not access.can_view_board(request.user, found):
        raise Http404
    services.cycles_ensure(circle=found, now=timezone.now())
    return found
