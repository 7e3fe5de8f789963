from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from peerpact.checkins import selectors as checkin_selectors
from peerpact.circles import selectors as circle_selectors
from peerpact.circles.models import MembershipStatus


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: my communities, circles and what to do next. Signed out: what PeerPact is."""
    if not request.user.is_authenticated:
        return render(request, "insights/landing.html")
    memberships = list(circle_selectors.membership_list_for_user(user=request.user))
    communities = list(circle_selectors.community_circle_summaries(user=request.user))
    invitations = [m for m in memberships if m.status == MembershipStatus.INVITED]
    next_steps = []
    if not communities:
        next_steps.append("create_community")
    elif not any(m.is_seated for m in memberships):
        next_steps.append("join_circle")
    return render(
        request,
        "insights/home.html",
        {
            "memberships": [m for m in memberships if m.is_seated],
            "pending": [
                m
                for m in memberships
                if m.status in (MembershipStatus.REQUESTED, MembershipStatus.WAITLISTED)
            ],
            "invitations": invitations,
            "communities": communities,
            "next_steps": next_steps,
            "due": checkin_selectors.due_for_user(user=request.user, now=timezone.now()),
            "now": timezone.now(),
        },
    )
