"""What the feedback partials need, built once for the template tags (full pages) and the views (htmx
fragments), so a fragment always looks exactly like its part of the page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse

from peerpact.checkins.models import Checkin
from peerpact.circles.models import Circle
from peerpact.feedback import selectors
from peerpact.feedback.forms import CommentForm, FeedbackForm, HelpOfferForm, ResolveForm
from peerpact.feedback.models import KudosTarget
from peerpact.safety.selectors import blocked_by


def _base(request: HttpRequest, circle: Circle) -> dict[str, Any]:
    return {
        "request": request,
        "user": request.user,
        "csrf_token": get_token(request),
        "community": circle.community,
        "circle": circle,
    }


def support_context(
    request: HttpRequest, circle: Circle, checkin: Checkin, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Kudos, comments, feedback and help for one check-in, as the viewer may see them."""
    thread = selectors.checkin_thread(checkin=checkin, viewer=request.user)
    forms = forms or {}
    url = reverse(
        "checkins:checkin-detail",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "checkin_id": checkin.pk},
    )
    return {
        **_base(request, circle),
        "checkin": checkin,
        "owner": checkin.membership.user,
        "thread": thread,
        "comment_form": forms.get("comment_form") or CommentForm(prefix="comment"),
        "feedback_form": forms.get("feedback_form") or FeedbackForm(prefix="feedback", circle=circle),
        "offer_form": forms.get("offer_form") or HelpOfferForm(prefix="offer"),
        "resolve_form": forms.get("resolve_form") or ResolveForm(prefix="resolve"),
        **kudos_context(
            kind=KudosTarget.CHECKIN,
            target_id=checkin.pk,
            kudos=thread.kudos,
            can_kudos=thread.can_kudos,
            next_url=url,
        ),
    }


def kudos_context(
    *, kind: str, target_id: int, kudos: list[selectors.ReactionCount], can_kudos: bool, next_url: str
) -> dict[str, Any]:
    return {
        "kudos_kind": kind,
        "kudos_id": target_id,
        "kudos": kudos,
        "can_kudos": can_kudos,
        "next": next_url,
    }


def help_context(request: HttpRequest, circle: Circle, *, where: str) -> dict[str, Any]:
    """The open help requests the viewer may read, with an "I can help" form where they may offer."""
    viewer = request.user
    requests = selectors.help_requests_for(circle=circle, viewer=viewer)
    offered = selectors.help_offered_by(viewer=viewer, checkin_ids=[r.checkin.pk for r in requests])
    apart = blocked_by(viewer)
    from peerpact.feedback import access

    is_peer = access.is_peer(viewer, circle)
    rows = [
        {
            "request": r,
            "is_mine": r.membership.user_id == viewer.pk,
            "has_offered": r.checkin.pk in offered,
            "can_offer": is_peer
            and r.membership.user_id != viewer.pk
            and r.checkin.pk not in offered
            and r.membership.user_id not in apart,
        }
        for r in requests
    ]
    return {**_base(request, circle), "help_rows": rows, "where": where}
