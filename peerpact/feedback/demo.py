"""Demo data for feedback and support, built through the services like everything else in the demo.

In each circle: comments and guided feedback on the latest updates (one anonymous, in the first circle,
which allows it), kudos on wins, goals and milestones, help offers, one resolved and one open request.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from peerpact.checkins import selectors as checkin_selectors
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, CheckinVisibility
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles import services as circle_services
from peerpact.circles.models import Circle, MemberRole, Membership, MembershipStatus
from peerpact.feedback import selectors, services
from peerpact.feedback.models import KudosTarget, Reaction
from peerpact.goals import services as goal_services
from peerpact.goals.models import Goal

logger = logging.getLogger(__name__)

COMMENTS = [
    "Love this — how did you find the time?",
    "That's a real step forward. Keep going!",
    "Same blocker here last month; happy to compare notes.",
    "Nice! Which part was hardest?",
]
WORKED = [
    "You broke the big task into small pieces and did the first one straight away.",
    "Writing down exactly what got in the way makes it easy to help.",
    "You kept your commitment even in a busy week.",
]
SUGGESTIONS = [
    "Try booking the time in your calendar on Monday, like a meeting.",
    "Pick just one of the three tasks for next week and protect it.",
    "Ask someone outside the circle for a quick review.",
]
QUESTIONS = [
    "What would make next week 10% easier?",
    "Which of these wins are you proudest of, and why?",
    "What would you tell a friend in your place?",
]
OFFERS = [
    "I did this last year — happy to do a 20 minute call.",
    "Send it over, I can look at it on Thursday.",
]
OPEN_REQUEST = "Could someone look over my plan for next month? Twenty minutes would do."


def _try(action: Any, **kwargs: Any) -> Any:
    """Skip a step the rules refuse (a block, a closed request) rather than stop the whole demo."""
    try:
        return action(**kwargs)
    except (PermissionDenied, ValidationError) as exc:
        logger.info("demo: skipped a feedback step: %s", exc)
        return None


def seed(*, circles: list[Circle], now: datetime) -> None:
    rng = random.Random(20260105)
    for position, circle in enumerate(circles):
        members = list(
            Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE)
            .select_related("user")
            .order_by("pk")
        )
        if len(members) < 3:
            continue
        for membership in members:
            membership.circle = circle
        facilitator = next((m.user for m in members if m.role == MemberRole.FACILITATOR), members[0].user)
        if position == 0:
            circle_services.circle_update(circle=circle, actor=facilitator, allow_anonymous_feedback=True)
            circle.refresh_from_db()
        _thread(circle, members, rng, now, anonymous=position == 0)
        _help(circle, members, now, resolve_one=True)
        _goal_wins(circle, members, rng, now)
    _deliver_in_app_only(now)


def _deliver_in_app_only(now: datetime) -> None:
    """Batch the activity into notifications now; the fictional people get them in the app, not by email."""
    from peerpact.accounts.models import User
    from peerpact.feedback import batching
    from peerpact.feedback.models import PeerActivity
    from peerpact.notifications.models import Channel, Message, MessageState

    waiting = PeerActivity.objects.unsent().filter(created_at__lte=now).values_list("recipient_id", flat=True)
    for recipient in User.objects.filter(pk__in=set(waiting)):
        batching.batch_send(recipient=recipient, now=now)  # not waiting for the quiet period: it is history
    Message.objects.filter(kind=batching.KIND, channel=Channel.EMAIL, state=MessageState.PENDING).update(
        state=MessageState.CANCELLED, last_error="demo data: fictional people get no email"
    )


def _thread(
    circle: Circle, members: list[Membership], rng: random.Random, now: datetime, *, anonymous: bool
) -> None:
    checkins = list(
        Checkin.objects.filter(
            membership__circle=circle, submitted_at__isnull=False, visibility=CheckinVisibility.CIRCLE
        )
        .select_related("membership__user", "cycle")
        .order_by("-submitted_at")[:8]
    )
    gave_anonymous = False
    for index, checkin in enumerate(reversed(checkins)):
        checkin.membership.circle = circle
        owner = checkin.membership.user
        peers = [m.user for m in members if m.user_id != owner.pk]
        at = min((checkin.submitted_at or now) + timedelta(hours=rng.randint(1, 20)), now)
        commenter, giver, cheerer = rng.sample(peers, 3) if len(peers) >= 3 else (peers * 3)[:3]
        _try(services.comment_add, checkin=checkin, actor=commenter, body=rng.choice(COMMENTS), now=at)
        if index % 2 == 0:
            is_anonymous = anonymous and not gave_anonymous
            feedback = _try(
                services.feedback_give,
                checkin=checkin,
                actor=giver,
                worked=rng.choice(WORKED),
                suggestion=rng.choice(SUGGESTIONS),
                question=rng.choice(QUESTIONS) if index % 4 == 0 else "",
                anonymous=is_anonymous,
                now=at + timedelta(minutes=30),
            )
            gave_anonymous = gave_anonymous or bool(feedback and feedback.anonymous)
            if feedback is not None and index % 4 == 0:
                services.feedback_mark_helpful(feedback=feedback, actor=owner, now=at + timedelta(hours=2))
            if feedback is not None:
                _try(
                    services.comment_add,
                    checkin=checkin,
                    actor=owner,
                    body="Thank you, that helps!",
                    now=at + timedelta(hours=3),
                )
        subject = selectors.kudos_subject(
            circle=circle, kind=KudosTarget.CHECKIN, target_id=checkin.pk, viewer=cheerer
        )
        if subject is not None:
            for reaction in rng.sample(list(Reaction.values), 2):
                _try(services.kudos_toggle, subject=subject, actor=cheerer, reaction=reaction, now=at)


def _help(circle: Circle, members: list[Membership], now: datetime, *, resolve_one: bool) -> None:
    requests = selectors.open_help_requests(circle=circle)
    if len(requests) < 2:
        # Someone who has not checked in yet this cycle asks for help, so the board has an open request.
        cycle = checkin_selectors.cycle_current(circle=circle, now=now)
        done = set(
            Checkin.objects.filter(cycle=cycle, submitted_at__isnull=False).values_list(
                "membership_id", flat=True
            )
        )
        asker = next((m for m in members if m.pk not in done), None)
        if cycle is not None and asker is not None and cycle.is_open(now):
            _try(
                checkin_services.checkin_submit,
                membership=asker,
                cycle=cycle,
                actor=asker.user,
                expected_version=None,
                now=max(now - timedelta(hours=2), cycle.opens_at),
                answers=CheckinAnswers(wins="Finally cleared my inbox.", help_request=OPEN_REQUEST),
            )
        requests = selectors.open_help_requests(circle=circle)
    for number, request in enumerate(requests):
        helpers = [m.user for m in members if m.user_id != request.membership.user_id]
        _try(
            services.help_offer,
            checkin=request.checkin,
            actor=helpers[number % len(helpers)],
            message=OFFERS[number % len(OFFERS)],
            now=min(request.asked_at + timedelta(hours=3), now),
        )
    if resolve_one and len(requests) >= 2:
        oldest = requests[0]
        services.help_resolve(
            checkin=oldest.checkin,
            actor=oldest.membership.user,
            note="A call with a peer sorted it out.",
            now=min(oldest.asked_at + timedelta(days=1), now),
        )


def _goal_wins(circle: Circle, members: list[Membership], rng: random.Random, now: datetime) -> None:
    """Tick off a first milestone for a few members, so the wins feed has more than check-ins."""
    goals = list(Goal.objects.filter(membership__in=members).select_related("membership__user"))
    for goal in goals[:3]:
        first = goal.milestones.order_by("position").first()
        if first is None or first.done_at is not None:
            continue
        goal_services.milestone_toggle(milestone=first, actor=goal.membership.user, done=True)
        cheerer = rng.choice([m.user for m in members if m.user_id != goal.membership.user_id])
        subject = selectors.kudos_subject(
            circle=circle, kind=KudosTarget.MILESTONE, target_id=first.pk, viewer=cheerer
        )
        if subject is not None:
            _try(services.kudos_toggle, subject=subject, actor=cheerer, reaction="party", now=now)
