"""Reads for threads, help requests, wins and reciprocity, scoped to what the asking person may see.

Anonymity lives here: templates get `FeedbackItem`s, which carry the author's name only when the viewer
may know it (the author themselves, or an organizer of the community). Anonymous feedback never reaches a
template, fragment or message with its author attached.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from peerpact.checkins import access as checkin_access
from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.schedule import State
from peerpact.circles.models import Circle, Membership
from peerpact.feedback import access
from peerpact.feedback.models import (
    EMOJI,
    Comment,
    Feedback,
    HelpOffer,
    HelpResolution,
    Kudos,
    KudosTarget,
    Reaction,
)
from peerpact.goals import access as goal_access
from peerpact.goals.models import Goal, GoalStatus, Milestone
from peerpact.safety.models import ModerationState
from peerpact.safety.selectors import blocked_by

# A help request stays on the open lists for its own cycle and the next three; after that the member
# can ask again in a new check-in. Resolved requests leave at once.
HELP_WINDOW_CYCLES = 4
# Streaks celebrated in the wins feed: 3, 5, 10, then every 5 more.
STREAK_MARKS = (3, 5, 10)
STREAK_HISTORY = 500


def _circle_url(name: str, circle: Circle, **extra: Any) -> str:
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **extra})


# --- Kudos ----------------------------------------------------------------------------------------


@dataclass
class KudosSubject:
    """Something kudos can be given to: a check-in, a goal or a milestone, with its owner."""

    kind: str
    id: int
    circle: Circle
    owner: Any
    url: str


@dataclass
class ReactionCount:
    reaction: str
    emoji: str
    label: str
    count: int
    mine: bool


def kudos_subject(*, circle: Circle, kind: str, target_id: int, viewer: Any) -> KudosSubject | None:
    """The check-in, goal or milestone of this circle if the viewer may see it; None otherwise (404)."""
    if kind == KudosTarget.CHECKIN:
        checkin = (
            Checkin.objects.select_related("membership__user")
            .filter(pk=target_id, membership__circle=circle, submitted_at__isnull=False)
            .first()
        )
        if checkin is None:
            return None
        checkin.membership.circle = circle
        if not checkin_access.can_view_checkin(viewer, checkin):
            return None
        url = _circle_url("checkins:checkin-detail", circle, checkin_id=checkin.pk)
        return KudosSubject(kind, checkin.pk, circle, checkin.membership.user, url)
    if kind in (KudosTarget.GOAL, KudosTarget.MILESTONE):
        if kind == KudosTarget.GOAL:
            goal = (
                Goal.objects.select_related("membership__user")
                .filter(pk=target_id, membership__circle=circle)
                .first()
            )
        else:
            milestone = (
                Milestone.objects.select_related("goal__membership__user")
                .filter(pk=target_id, goal__membership__circle=circle)
                .first()
            )
            goal = milestone.goal if milestone else None
        if goal is None:
            return None
        goal.membership.circle = circle
        if not goal_access.can_view_goal(viewer, goal):
            return None
        url = _circle_url("goals:detail", circle, goal_id=goal.pk)
        return KudosSubject(kind, target_id, circle, goal.membership.user, url)
    return None


def kudos_counts(
    *, targets: list[tuple[str, int]], viewer: Any
) -> dict[tuple[str, int], list[ReactionCount]]:
    """Per target, every reaction with its count and whether the viewer gave it. One query."""
    result: dict[tuple[str, int], list[ReactionCount]] = {}
    if not targets:
        return result
    counts: dict[tuple[str, int, str], int] = defaultdict(int)
    mine: set[tuple[str, int, str]] = set()
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, target_id in targets:
        by_kind[kind].append(target_id)
    query = Q()
    for kind, ids in by_kind.items():
        query |= Q(target_kind=kind, target_id__in=ids)
    for kind, target_id, reaction, author_id in Kudos.objects.filter(query).values_list(
        "target_kind", "target_id", "reaction", "author_id"
    ):
        counts[(kind, target_id, reaction)] += 1
        if author_id == getattr(viewer, "pk", None):
            mine.add((kind, target_id, reaction))
    for kind, target_id in targets:
        result[(kind, target_id)] = [
            ReactionCount(
                reaction=reaction.value,
                emoji=EMOJI[reaction],
                label=str(reaction.label),
                count=counts[(kind, target_id, reaction.value)],
                mine=(kind, target_id, reaction.value) in mine,
            )
            for reaction in Reaction
        ]
    return result


# --- A check-in's thread --------------------------------------------------------------------------


@dataclass
class FeedbackItem:
    """Feedback as one viewer may see it. `author_name` is None when the viewer may not know it."""

    pk: int
    worked: str
    suggestion: str
    question: str
    created_at: datetime
    helpful_at: datetime | None
    is_anonymous: bool
    author_name: str | None
    is_mine: bool


def feedback_item(feedback: Feedback, *, viewer: Any, circle: Circle) -> FeedbackItem:
    is_mine = feedback.author_id == getattr(viewer, "pk", None)
    named = not feedback.anonymous or is_mine or access.sees_anonymous_authors(viewer, circle)
    return FeedbackItem(
        pk=feedback.pk,
        worked=feedback.worked,
        suggestion=feedback.suggestion,
        question=feedback.question,
        created_at=feedback.created_at,
        helpful_at=feedback.helpful_at,
        is_anonymous=feedback.anonymous,
        author_name=feedback.author.name if named else None,
        is_mine=is_mine,
    )


@dataclass
class Thread:
    checkin: Checkin
    comments: list[Comment]
    feedback: list[FeedbackItem]
    offers: list[HelpOffer]
    resolution: HelpResolution | None
    kudos: list[ReactionCount]
    is_owner: bool
    can_comment: bool
    can_give_feedback: bool
    can_offer_help: bool
    can_resolve: bool
    can_kudos: bool
    allow_anonymous: bool
    has_offered: bool
    blocked: bool  # a peer who cannot reach the owner: forms are replaced by a short note
    own_comment_ids: set[int] = field(default_factory=set)


def checkin_thread(*, checkin: Checkin, viewer: Any) -> Thread:
    """Comments, feedback, help offers and kudos on a check-in, as the viewer may see them."""
    circle = checkin.membership.circle
    hidden_people = blocked_by(viewer) if getattr(viewer, "is_authenticated", False) else set()
    comments = [
        c
        for c in Comment.objects.visible().filter(checkin=checkin).select_related("author")
        if c.author_id not in hidden_people
    ]
    feedback = [
        feedback_item(f, viewer=viewer, circle=circle)
        for f in Feedback.objects.visible().filter(checkin=checkin).select_related("author")
        # Anonymous feedback is never filtered by blocks: a gap would hint at who wrote it.
        if f.anonymous or f.author_id not in hidden_people
    ]
    offers = [
        o
        for o in HelpOffer.objects.filter(checkin=checkin).select_related("helper")
        if o.helper_id not in hidden_people
    ]
    resolution = HelpResolution.objects.filter(checkin=checkin).first()
    is_owner = access.is_owner(viewer, checkin)
    is_peer = access.is_peer(viewer, circle)
    reachable = access.can_reach(viewer, checkin.membership.user)
    can_comment = is_peer and reachable
    kudos = kudos_counts(targets=[(KudosTarget.CHECKIN, checkin.pk)], viewer=viewer)
    return Thread(
        checkin=checkin,
        comments=comments,
        feedback=feedback,
        offers=offers,
        resolution=resolution,
        kudos=kudos[(KudosTarget.CHECKIN, checkin.pk)],
        is_owner=is_owner,
        can_comment=can_comment,
        can_give_feedback=can_comment and not is_owner,
        can_offer_help=can_comment and not is_owner and bool(checkin.help_request) and resolution is None,
        can_resolve=is_owner and bool(checkin.help_request),
        can_kudos=can_comment and not is_owner,
        allow_anonymous=circle.allow_anonymous_feedback,
        has_offered=any(o.helper_id == getattr(viewer, "pk", None) for o in offers),
        blocked=is_peer and not is_owner and not reachable,
        own_comment_ids={c.pk for c in comments if c.author_id == getattr(viewer, "pk", None)},
    )


# --- Help requests --------------------------------------------------------------------------------


@dataclass
class HelpRequest:
    checkin: Checkin
    membership: Membership
    text: str
    offers: int
    asked_at: datetime


def _window_start(circle: Circle, now: datetime) -> int:
    latest = Cycle.objects.filter(circle=circle).started(now).aggregate(top=Max("index"))["top"] or 0
    return latest - HELP_WINDOW_CYCLES + 1


def open_help_requests(*, circle: Circle) -> list[HelpRequest]:
    """Unresolved help requests of seated members from the last few cycles, oldest first.

    Everything, whoever shared it: callers showing these to someone filter with `help_requests_for`.
    """
    checkins = (
        Checkin.objects.filter(
            membership__circle=circle,
            membership__status__in=("active", "paused"),
            submitted_at__isnull=False,
            moderation_state=ModerationState.VISIBLE,
            cycle__index__gte=_window_start(circle, timezone.now()),
            help_resolution__isnull=True,
        )
        .exclude(help_request="")
        .select_related("membership__user", "cycle")
        .annotate(offer_count=Count("help_offers"))
        .order_by("submitted_at", "pk")
    )
    found = []
    for checkin in checkins:
        checkin.membership.circle = circle
        found.append(
            HelpRequest(
                checkin=checkin,
                membership=checkin.membership,
                text=checkin.help_request,
                offers=checkin.offer_count,
                asked_at=checkin.submitted_at or checkin.created_at,
            )
        )
    return found


def help_requests_for(*, circle: Circle, viewer: Any) -> list[HelpRequest]:
    """The open requests the viewer may read (the facilitator and organizers see all of them)."""
    return [
        r for r in open_help_requests(circle=circle) if checkin_access.can_view_checkin(viewer, r.checkin)
    ]


def help_offered_by(*, viewer: Any, checkin_ids: list[int]) -> set[int]:
    return set(
        HelpOffer.objects.filter(helper=viewer, checkin_id__in=checkin_ids).values_list(
            "checkin_id", flat=True
        )
    )


# --- Reciprocity ----------------------------------------------------------------------------------


def reciprocity(*, circle: Circle, since: datetime) -> dict[int, tuple[int, int]]:
    """Membership id -> (feedback and comments given, received) since `since`, visible rows only.

    Replies on one's own check-in are neither. Anonymous feedback counts as received but not as given:
    a "given" count that moves would tell the receiver who wrote it.
    """
    memberships = list(Membership.objects.filter(circle=circle).values_list("pk", "user_id", "status"))
    by_user = {user_id: pk for pk, user_id, _status in memberships}
    given: dict[int, int] = defaultdict(int)
    received: dict[int, int] = defaultdict(int)
    for model in (Comment, Feedback):
        rows = model.objects.visible().filter(checkin__membership__circle=circle, created_at__gte=since)
        fields = ["author_id", "checkin__membership_id", "checkin__membership__user_id"]
        fields.append("anonymous" if model is Feedback else "pk")
        for author_id, owner_membership_id, owner_user_id, flag in rows.values_list(*fields):
            if author_id == owner_user_id:
                continue
            received[owner_membership_id] += 1
            is_anonymous = model is Feedback and flag
            if not is_anonymous and author_id in by_user:
                given[by_user[author_id]] += 1
    seated = {pk for pk, _user, status in memberships if status in ("active", "paused")}
    return {pk: (given[pk], received[pk]) for pk in seated | set(given) | set(received)}


# --- Wins -----------------------------------------------------------------------------------------


@dataclass
class Win:
    kind: str  # checkin, goal, milestone, streak
    at: datetime
    person: Any
    text: str
    url: str
    goal_title: str = ""
    streak: int = 0
    kudos_kind: str = ""
    kudos_id: int = 0
    kudos: list[ReactionCount] = field(default_factory=list)
    can_kudos: bool = False

    @property
    def anchor(self) -> str:
        return f"win-{self.kind}-{self.kudos_id or int(self.at.timestamp())}-{getattr(self.person, 'pk', 0)}"


def _is_streak_mark(n: int) -> bool:
    return n in STREAK_MARKS or (n > STREAK_MARKS[-1] and n % 5 == 0)


def _streak_wins(circle: Circle, now: datetime) -> list[Win]:
    cycles = checkin_selectors.tracker_cycles(circle=circle, now=now, last=STREAK_HISTORY)
    table = checkin_selectors.grid(circle=circle, cycles=cycles, now=now)
    wins = []
    for row in table.rows:
        running = 0
        for cell in row.cells:
            if cell.state == State.ON_TIME:
                running += 1
                if _is_streak_mark(running) and cell.checkin and cell.checkin.submitted_at:
                    wins.append(
                        Win(
                            kind="streak",
                            at=cell.checkin.submitted_at,
                            person=row.membership.user,
                            text="",
                            url=_circle_url(
                                "checkins:member-history", circle, membership_id=row.membership.pk
                            ),
                            streak=running,
                        )
                    )
            elif cell.state in (State.LATE, State.MISSED):
                running = 0
    return wins


def wins_feed(
    *, circle: Circle, viewer: Any, now: datetime, since: datetime | None = None, streaks: bool = True
) -> list[Win]:
    """Wins from check-ins, achieved goals, done milestones and streaks; newest first, no kudos yet.

    `since` keeps only wins from then on and `streaks=False` leaves out the streaks (which need the
    circle's whole history): the board's "latest wins" reads only recent rows. Call `wins_with_kudos`
    on the page shown to attach reactions.
    """
    wins: list[Win] = []
    checkins = (
        Checkin.objects.filter(membership__circle=circle, submitted_at__isnull=False)
        .exclude(wins="")
        .select_related("membership__user", "cycle")
    )
    if since is not None:
        checkins = checkins.filter(submitted_at__gte=since)
    for checkin in checkins:
        checkin.membership.circle = circle
        if not checkin_access.can_view_checkin(viewer, checkin):
            continue
        wins.append(
            Win(
                kind="checkin",
                at=checkin.submitted_at or checkin.created_at,
                person=checkin.membership.user,
                text=checkin.wins,
                url=_circle_url("checkins:checkin-detail", circle, checkin_id=checkin.pk),
                kudos_kind=KudosTarget.CHECKIN,
                kudos_id=checkin.pk,
            )
        )
    goal_rows = Goal.objects.filter(membership__circle=circle).select_related("membership__user")
    if since is not None:
        # Only goals with something to celebrate since then: the board reads recent wins, not history.
        goal_rows = goal_rows.filter(Q(achieved_at__gte=since) | Q(milestones__done_at__gte=since)).distinct()
    goals = {g.pk: g for g in goal_rows}
    visible_goals = set()
    for goal in goals.values():
        goal.membership.circle = circle
        if goal_access.can_view_goal(viewer, goal):
            visible_goals.add(goal.pk)
            if (
                goal.status == GoalStatus.ACHIEVED
                and goal.achieved_at
                and (since is None or goal.achieved_at >= since)
            ):
                wins.append(
                    Win(
                        kind="goal",
                        at=goal.achieved_at,
                        person=goal.membership.user,
                        text=goal.title,
                        url=_circle_url("goals:detail", circle, goal_id=goal.pk),
                        kudos_kind=KudosTarget.GOAL,
                        kudos_id=goal.pk,
                    )
                )
    milestones = Milestone.objects.filter(goal_id__in=visible_goals, done_at__isnull=False)
    if since is not None:
        milestones = milestones.filter(done_at__gte=since)
    for milestone in milestones:
        goal = goals[milestone.goal_id]
        wins.append(
            Win(
                kind="milestone",
                at=milestone.done_at,  # type: ignore[arg-type]
                person=goal.membership.user,
                text=milestone.title,
                goal_title=goal.title,
                url=_circle_url("goals:detail", circle, goal_id=goal.pk),
                kudos_kind=KudosTarget.MILESTONE,
                kudos_id=milestone.pk,
            )
        )
    if streaks:
        wins.extend(_streak_wins(circle, now))
    wins.sort(key=lambda w: (w.at, w.kind), reverse=True)
    return wins


def wins_with_kudos(*, wins: list[Win], circle: Circle, viewer: Any) -> list[Win]:
    """Attach reaction counts (and whether the viewer may react) to the wins on one page."""
    targets = [(w.kudos_kind, w.kudos_id) for w in wins if w.kudos_kind]
    counts = kudos_counts(targets=targets, viewer=viewer)
    is_peer = access.is_peer(viewer, circle)
    hidden_people = blocked_by(viewer) if is_peer else set()
    for win in wins:
        if not win.kudos_kind:
            continue
        win.kudos = counts[(win.kudos_kind, win.kudos_id)]
        win.can_kudos = is_peer and win.person.pk != viewer.pk and win.person.pk not in hidden_people
    return wins


RECENT_WINS_DAYS = 28


def recent_wins(*, circle: Circle, viewer: Any, now: datetime, limit: int = 3) -> list[Win]:
    """The latest few wins of the last four weeks (streaks are celebrated on the wins page)."""
    since = now - timedelta(days=RECENT_WINS_DAYS)
    return wins_feed(circle=circle, viewer=viewer, now=now, since=since, streaks=False)[:limit]
