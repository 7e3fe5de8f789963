"""Comments, feedback, kudos, help requests and wins in the JSON API.

Reads go through the same selectors as the check-in page, the help page and the wins feed; writes call
the same services. Anonymous feedback never carries its author here, for any caller (organizers
included: they moderate on the site).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from peerpact.checkins import access as checkin_access
from peerpact.checkins.api import board_circle
from peerpact.checkins.models import Checkin
from peerpact.circles.models import Circle
from peerpact.feedback import access, selectors, services
from peerpact.feedback.models import BODY_MAX, Comment, Feedback, HelpOffer, Kudos, KudosTarget
from peerpact.goals import access as goal_access
from peerpact.goals.models import Goal, Milestone
from peerpact.lib.apikit import MAX_DB_INT, PageParams, caller, page_body, require_write, token_community_id
from peerpact.safety.selectors import blocked_by

router = Router(tags=["feedback"])


# --- Schemas ------------------------------------------------------------------------------------


class CommentOut(Schema):
    id: int
    checkin_id: int
    author_id: int
    author: str
    body: str
    created_at: datetime
    edited_at: datetime | None
    is_mine: bool


class CommentPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[CommentOut]


class CommentIn(Schema):
    body: str = Field(..., min_length=1, max_length=BODY_MAX)


class FeedbackOut(Schema):
    id: int
    circle_id: int
    checkin_id: int
    checkin_owner_id: int
    worked: str
    suggestion: str
    question: str
    is_anonymous: bool
    author_id: int | None  # always None for anonymous feedback
    author: str | None  # always None for anonymous feedback
    is_mine: bool
    helpful_at: datetime | None
    created_at: datetime


class FeedbackPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[FeedbackOut]


class FeedbackFilters(PageParams):
    circle: int | None = Field(None, ge=1, le=MAX_DB_INT, description="Only this circle (id).")


class ReactionOut(Schema):
    reaction: str
    emoji: str
    label: str
    count: int
    mine: bool


class KudosTargetOut(Schema):
    target_kind: str
    target_id: int
    owner_id: int
    owner: str
    reactions: list[ReactionOut]
    last_given_at: datetime


class KudosPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[KudosTargetOut]


class KudosFilters(PageParams):
    target_kind: Literal["checkin", "goal", "milestone"] | None = None
    target_id: int | None = Field(None, ge=1, le=MAX_DB_INT)


class KudosIn(Schema):
    target_kind: Literal["checkin", "goal", "milestone"]
    target_id: int = Field(..., ge=1)
    reaction: Literal["clap", "party", "strong", "heart"]


class KudosGivenOut(Schema):
    target_kind: str
    target_id: int
    reaction: str
    given: bool
    reactions: list[ReactionOut]


class HelpOfferOut(Schema):
    id: int
    helper_id: int
    helper: str
    message: str
    created_at: datetime


class HelpRequestOut(Schema):
    checkin_id: int
    membership_id: int
    user_id: int
    name: str
    cycle: int
    text: str
    asked_at: datetime
    is_mine: bool
    has_offered: bool
    offers: list[HelpOfferOut]


class HelpRequestPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[HelpRequestOut]


class WinOut(Schema):
    kind: str  # checkin, goal, milestone, streak
    at: datetime
    user_id: int
    name: str
    text: str
    goal_title: str
    streak: int
    kudos_kind: str
    kudos_id: int
    reactions: list[ReactionOut]
    can_kudos: bool
    url: str


class WinPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[WinOut]


# --- Helpers ------------------------------------------------------------------------------------


def _thread_checkin(request: HttpRequest, circle_id: int, checkin_id: int) -> tuple[Circle, Checkin]:
    """A submitted check-in of a circle the caller sees inside, if they may read its thread; else 404."""
    circle = board_circle(request, circle_id)
    checkin = (
        Checkin.objects.select_related("membership__user", "cycle")
        .filter(pk=checkin_id, membership__circle=circle, submitted_at__isnull=False)
        .first()
    )
    if checkin is None:
        raise Http404
    checkin.membership.circle = circle
    if not access.can_view_thread(caller(request), checkin):
        raise Http404
    return circle, checkin


def comment_out(comment: Comment, viewer: Any) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "checkin_id": comment.checkin_id,
        "author_id": comment.author_id,
        "author": comment.author.name,
        "body": comment.body,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "is_mine": comment.author_id == viewer.pk,
    }


def feedback_out(feedback: Feedback, viewer: Any) -> dict[str, Any]:
    """The feedback as the API shows it: anonymous feedback has no author, whoever asks."""
    checkin = feedback.checkin
    item = selectors.feedback_item(feedback, viewer=viewer, circle=checkin.membership.circle)
    named = not item.is_anonymous
    return {
        "id": item.pk,
        "circle_id": checkin.membership.circle_id,
        "checkin_id": checkin.pk,
        "checkin_owner_id": checkin.membership.user_id,
        "worked": item.worked,
        "suggestion": item.suggestion,
        "question": item.question,
        "is_anonymous": item.is_anonymous,
        "author_id": feedback.author_id if named else None,
        "author": item.author_name if named else None,
        "is_mine": item.is_mine,
        "helpful_at": item.helpful_at,
        "created_at": item.created_at,
    }


def reactions_out(counts: list[selectors.ReactionCount]) -> list[dict[str, Any]]:
    return [
        {"reaction": r.reaction, "emoji": r.emoji, "label": r.label, "count": r.count, "mine": r.mine}
        for r in counts
    ]


def _readable_feedback(rows: QuerySet[Feedback], viewer: Any, *, received: bool) -> list[Feedback]:
    """Rows whose thread the viewer may read, as the check-in page lists them (blocks hide named rows)."""
    hidden_people = blocked_by(viewer)
    circles: dict[int, Circle] = {}
    found = []
    for feedback in rows:
        membership = feedback.checkin.membership
        # One circle object per circle: access checks cache the viewer's memberships on it.
        membership.circle = circles.setdefault(membership.circle_id, membership.circle)
        if received and not feedback.anonymous and feedback.author_id in hidden_people:
            continue
        if access.can_view_thread(viewer, feedback.checkin):
            found.append(feedback)
    return found


def _feedback_rows(request: HttpRequest, filters: FeedbackFilters) -> QuerySet[Feedback]:
    rows = (
        Feedback.objects.visible()
        .select_related("author", "checkin__membership__user", "checkin__membership__circle__community")
        .order_by("-created_at", "-pk")
    )
    limit = token_community_id(request)
    if limit is not None:
        rows = rows.filter(checkin__membership__circle__community_id=limit)
    if filters.circle is not None:
        rows = rows.filter(checkin__membership__circle_id=filters.circle)
    return rows


def _visible_kudos_targets(circle: Circle, viewer: Any, filters: KudosFilters) -> list[dict[str, Any]]:
    """Targets in the circle that have kudos and that the viewer may see, newest kudos first."""
    given = Kudos.objects.filter(circle=circle)
    if filters.target_kind:
        given = given.filter(target_kind=filters.target_kind)
    if filters.target_id is not None:
        given = given.filter(target_id=filters.target_id)
    latest = list(
        given.values("target_kind", "target_id")
        .annotate(last=Max("created_at"))
        .order_by("-last", "target_id")
    )
    ids: dict[str, list[int]] = defaultdict(list)
    for row in latest:
        ids[row["target_kind"]].append(row["target_id"])
    owners: dict[tuple[str, int], Any] = {}
    for checkin in Checkin.objects.select_related("membership__user").filter(
        pk__in=ids[KudosTarget.CHECKIN], membership__circle=circle, submitted_at__isnull=False
    ):
        checkin.membership.circle = circle
        if checkin_access.can_view_checkin(viewer, checkin):
            owners[(KudosTarget.CHECKIN, checkin.pk)] = checkin.membership.user
    milestones = {
        m.pk: m.goal_id
        for m in Milestone.objects.filter(pk__in=ids[KudosTarget.MILESTONE], goal__membership__circle=circle)
    }
    goals = Goal.objects.select_related("membership__user").filter(
        pk__in=set(ids[KudosTarget.GOAL]) | set(milestones.values()), membership__circle=circle
    )
    visible_goals = {}
    for goal in goals:
        goal.membership.circle = circle
        if goal_access.can_view_goal(viewer, goal):
            visible_goals[goal.pk] = goal.membership.user
    for goal_id in ids[KudosTarget.GOAL]:
        if goal_id in visible_goals:
            owners[(KudosTarget.GOAL, goal_id)] = visible_goals[goal_id]
    for milestone_id, goal_id in milestones.items():
        if goal_id in visible_goals:
            owners[(KudosTarget.MILESTONE, milestone_id)] = visible_goals[goal_id]
    return [
        {**row, "owner": owners[(row["target_kind"], row["target_id"])]}
        for row in latest
        if (row["target_kind"], row["target_id"]) in owners
    ]


def _site_url(path: str) -> str:
    return settings.SITE_URL + path if path.startswith("/") else path


# --- Comments -----------------------------------------------------------------------------------


@router.get(
    "/circles/{int:circle_id}/checkins/{int:checkin_id}/comments",
    response=CommentPage,
    url_name="checkin-comments",
    summary="Comments on a check-in",
)
def comment_list(
    request: HttpRequest, circle_id: int, checkin_id: int, params: Query[PageParams]
) -> dict[str, Any]:
    """The check-in's thread as its page shows it to the caller (hidden and blocked authors left out)."""
    _circle, checkin = _thread_checkin(request, circle_id, checkin_id)
    viewer = caller(request)
    thread = selectors.checkin_thread(checkin=checkin, viewer=viewer)
    return page_body(thread.comments, params, lambda c: comment_out(c, viewer))


@router.post(
    "/circles/{int:circle_id}/checkins/{int:checkin_id}/comments",
    response={201: CommentOut},
    url_name="checkin-comments",
    summary="Comment on a check-in",
)
def comment_create(
    request: HttpRequest, circle_id: int, checkin_id: int, payload: CommentIn
) -> Status[dict[str, Any]]:
    """Add a comment as the caller (seated members of the circle; the owner may reply)."""
    require_write(request)
    _circle, checkin = _thread_checkin(request, circle_id, checkin_id)
    viewer = caller(request)
    comment = services.comment_add(checkin=checkin, actor=viewer, body=payload.body)
    return Status(201, comment_out(comment, viewer))


# --- Feedback given and received ----------------------------------------------------------------


@router.get(
    "/me/feedback/received",
    response=FeedbackPage,
    url_name="feedback-received",
    summary="Feedback on my check-ins",
)
def feedback_received(request: HttpRequest, filters: Query[FeedbackFilters]) -> dict[str, Any]:
    """Newest first. Anonymous feedback never says who wrote it."""
    viewer = caller(request)
    rows = _feedback_rows(request, filters).filter(checkin__membership__user=viewer)
    found = _readable_feedback(rows, viewer, received=True)
    return page_body(found, filters, lambda f: feedback_out(f, viewer))


@router.get("/me/feedback/given", response=FeedbackPage, url_name="feedback-given", summary="Feedback I gave")
def feedback_given(request: HttpRequest, filters: Query[FeedbackFilters]) -> dict[str, Any]:
    """Newest first; only on check-ins the caller may still read."""
    viewer = caller(request)
    rows = _feedback_rows(request, filters).filter(author=viewer)
    found = _readable_feedback(rows, viewer, received=False)
    return page_body(found, filters, lambda f: feedback_out(f, viewer))


# --- Kudos --------------------------------------------------------------------------------------


@router.get(
    "/circles/{int:circle_id}/kudos", response=KudosPage, url_name="kudos", summary="Kudos in a circle"
)
def kudos_list(request: HttpRequest, circle_id: int, filters: Query[KudosFilters]) -> dict[str, Any]:
    """Per check-in, goal or milestone the caller may see: each reaction's count and whether the caller
    gave it (as on the pages; who gave them is not shown)."""
    circle = board_circle(request, circle_id)
    viewer = caller(request)
    targets = _visible_kudos_targets(circle, viewer, filters)

    def render_page(chosen: list[dict[str, Any]]) -> list[dict[str, Any]]:
        counts = selectors.kudos_counts(
            targets=[(t["target_kind"], t["target_id"]) for t in chosen], viewer=viewer
        )
        return [
            {
                "target_kind": t["target_kind"],
                "target_id": t["target_id"],
                "owner_id": t["owner"].pk,
                "owner": t["owner"].name,
                "reactions": reactions_out(counts[(t["target_kind"], t["target_id"])]),
                "last_given_at": t["last"],
            }
            for t in chosen
        ]

    chosen = targets[filters.offset : filters.offset + filters.limit]
    return {
        "count": len(targets),
        "limit": filters.limit,
        "offset": filters.offset,
        "results": render_page(chosen),
    }


@router.post(
    "/circles/{int:circle_id}/kudos",
    response={200: KudosGivenOut, 201: KudosGivenOut},
    url_name="kudos",
    summary="Give kudos",
)
def kudos_give(request: HttpRequest, circle_id: int, payload: KudosIn) -> Status[dict[str, Any]]:
    """Give a reaction to a peer's check-in, goal or milestone (201). Giving it again changes nothing
    (200); the API does not take kudos back."""
    require_write(request)
    circle = board_circle(request, circle_id)
    viewer = caller(request)
    subject = selectors.kudos_subject(
        circle=circle, kind=payload.target_kind, target_id=payload.target_id, viewer=viewer
    )
    if subject is None:
        raise Http404
    key = {"target_kind": subject.kind, "target_id": subject.id, "reaction": payload.reaction}
    already = Kudos.objects.filter(author=viewer, **key).exists()
    if not already:  # give=True: a simultaneous duplicate must not take it back
        services.kudos_toggle(subject=subject, actor=viewer, reaction=payload.reaction, give=True)
    counts = selectors.kudos_counts(targets=[(subject.kind, subject.id)], viewer=viewer)
    return Status(
        200 if already else 201,
        {**key, "given": True, "reactions": reactions_out(counts[(subject.kind, subject.id)])},
    )


# --- Help requests and wins ---------------------------------------------------------------------


@router.get(
    "/circles/{int:circle_id}/help-requests",
    response=HelpRequestPage,
    url_name="help-requests",
    summary="Open help requests and the offers made",
)
def help_request_list(request: HttpRequest, circle_id: int, params: Query[PageParams]) -> dict[str, Any]:
    """As the circle's help page: the open requests the caller may read, oldest first."""
    circle = board_circle(request, circle_id)
    viewer = caller(request)
    requests = selectors.help_requests_for(circle=circle, viewer=viewer)
    chosen = requests[params.offset : params.offset + params.limit]
    hidden_people = blocked_by(viewer)
    offers: dict[int, list[HelpOffer]] = defaultdict(list)
    for offer in HelpOffer.objects.filter(checkin__in=[r.checkin for r in chosen]).select_related("helper"):
        if offer.helper_id not in hidden_people:
            offers[offer.checkin_id].append(offer)
    return {
        "count": len(requests),
        "limit": params.limit,
        "offset": params.offset,
        "results": [
            {
                "checkin_id": r.checkin.pk,
                "membership_id": r.membership.pk,
                "user_id": r.membership.user_id,
                "name": r.membership.user.name,
                "cycle": r.checkin.cycle.index,
                "text": r.text,
                "asked_at": r.asked_at,
                "is_mine": r.membership.user_id == viewer.pk,
                "has_offered": any(o.helper_id == viewer.pk for o in offers[r.checkin.pk]),
                "offers": [
                    {
                        "id": o.pk,
                        "helper_id": o.helper_id,
                        "helper": o.helper.name,
                        "message": o.message,
                        "created_at": o.created_at,
                    }
                    for o in offers[r.checkin.pk]
                ],
            }
            for r in chosen
        ],
    }


@router.get("/circles/{int:circle_id}/wins", response=WinPage, url_name="wins", summary="The wins feed")
def win_list(request: HttpRequest, circle_id: int, params: Query[PageParams]) -> dict[str, Any]:
    """Wins from check-ins, achieved goals, done milestones and streaks, newest first (as the wins page)."""
    circle = board_circle(request, circle_id)
    viewer = caller(request)
    feed = selectors.wins_feed(circle=circle, viewer=viewer, now=timezone.now())
    chosen = selectors.wins_with_kudos(
        wins=feed[params.offset : params.offset + params.limit], circle=circle, viewer=viewer
    )
    return {
        "count": len(feed),
        "limit": params.limit,
        "offset": params.offset,
        "results": [
            {
                "kind": w.kind,
                "at": w.at,
                "user_id": w.person.pk,
                "name": w.person.name,
                "text": w.text,
                "goal_title": w.goal_title,
                "streak": w.streak,
                "kudos_kind": w.kudos_kind,
                "kudos_id": w.kudos_id,
                "reactions": reactions_out(w.kudos),
                "can_kudos": w.can_kudos,
                "url": _site_url(w.url),
            }
            for w in chosen
        ],
    }
