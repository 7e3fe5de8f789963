"""The circle board: this cycle at a glance, past cycles browsable."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from peerpact.accounts.http import AuthedRequest
from peerpact.checkins import access, selectors
from peerpact.checkins.models import Cycle
from peerpact.checkins.views.common import board_circle
from peerpact.circles import access as circle_access


@login_required
def circle_board(request: AuthedRequest, community: str, circle: str) -> HttpResponse:
    found = board_circle(request, community, circle)
    now = timezone.now()
    current = selectors.cycle_current(circle=found, now=now)
    cycle: Cycle | None = current
    requested = request.GET.get("cycle", "")
    if requested:
        if not requested.isdigit():
            raise Http404
        cycle = selectors.cycle_by_index(circle=found, index=int(requested))
        if cycle is None or cycle.opens_at > now:
            raise Http404
    rhythm = selectors.rhythm_for(found)
    entries = selectors.board(circle=found, cycle=cycle, viewer=request.user, now=now) if cycle else []
    reviews = rhythm.reviews() if rhythm else None
    membership = circle_access.membership_in(request.user, found)
    return render(
        request,
        "checkins/board.html",
        {
            "community": found.community,
            "circle": found,
            "cycle": cycle,
            "current": current,
            "is_current": cycle is not None and current is not None and cycle.pk == current.pk,
            "entries": entries,
            "rhythm": rhythm,
            "next_review": reviews.next_after(now) if reviews else None,
            "can_manage": access.can_manage_rhythm(request.user, found),
            "can_check_in": membership is not None and access.can_check_in(request.user, membership),
            "now": now,
        },
    )
