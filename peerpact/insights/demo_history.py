"""Twelve weeks of believable circle life for the demo, built through the real services.

Deterministic (fixed seed): every run of `seed_demo` on an empty database tells the same story,
shifted to end "now".
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, CommitmentReview, NewCommitment, RhythmSpec
from peerpact.circles.models import Circle, Membership, MembershipStatus
from peerpact.goals import services as goal_services
from peerpact.goals.models import Commitment, Direction

WEEKS = 12

# circle slug -> (preset, weekdays, deadline time, review weekday, review link)
RHYTHMS = {
    "weekly-wins": ("weekly", ["FR"], time(18, 0), "MO", "https://meet.example.org/weekly-wins"),
    "job-search-sprint": ("weekly", ["WE"], time(20, 0), "TH", "https://meet.example.org/job-sprint"),
    "data-skills-study-group": ("biweekly", ["SU"], time(17, 0), "MO", "Library café, 2nd floor"),
}

GOALS = {
    "weekly_goals": ("Launch my newsletter", "subscribers", Decimal(0), Decimal(300)),
    "job_search": ("Send tailored applications", "applications", Decimal(0), Decimal(40)),
    "study": ("Finish the SQL course", "lessons", Decimal(0), Decimal(24)),
}

WINS = [
    "Finished the first draft.",
    "Had a great call with a mentor.",
    "Kept my morning routine all week.",
    "Got positive feedback on my portfolio.",
    "Cleared my inbox and planned the month.",
    "Shipped a small improvement I had postponed for weeks.",
    "Said no to a distraction.",
]
BLOCKERS = [
    "",
    "",
    "Too many meetings.",
    "Felt low on energy midweek.",
    "Waiting on someone else's answer.",
    "Unclear what to prioritise.",
]
PROMISES = [
    "Write for 30 minutes a day",
    "Reach out to two people",
    "Finish the next chapter",
    "Prepare for Thursday's interview",
    "Review last week's notes",
    "Publish one post",
]


def build_history(
    *, circles: list[Circle], facilitator_of: dict[str, object], now: datetime | None = None
) -> None:
    """Give each circle a rhythm that started WEEKS ago and fill it with check-ins."""
    now = now or timezone.now()
    rng = random.Random(20261123)
    start = now - timedelta(weeks=WEEKS)
    # The demo people joined "twelve weeks ago": services stamp the real time, so backdate the stamp.
    Membership.objects.filter(circle__in=circles, status=MembershipStatus.ACTIVE).update(
        joined_at=start - timedelta(days=1), created_at=start - timedelta(days=1)
    )
    for circle in circles:
        preset, days, at, review_day, where = RHYTHMS[circle.slug]
        actor = facilitator_of[circle.slug]
        checkin_services.rhythm_set(
            circle=circle,
            actor=actor,
            now=start,
            spec=RhythmSpec(
                preset=preset,
                weekdays=days,
                deadline_time=at,
                starts_on=start.date(),
                grace_hours=24,
                review_weekday=review_day,
                review_location=where,
            ),
        )
        checkin_services.cycles_ensure(circle=circle, now=now)
        _live(circle, rng, start, now)


def _live(circle: Circle, rng: random.Random, start: datetime, now: datetime) -> None:
    members = list(
        Membership.objects.filter(circle=circle, status=MembershipStatus.ACTIVE)
        .select_related("user")
        .order_by("pk")  # everyone "joined" at the same backdated moment: a stable order for the story
    )
    title, unit, baseline, target = GOALS[circle.purpose]
    goals = {
        m.pk: goal_services.goal_create(
            membership=m,
            actor=m.user,
            title=title,
            unit=unit,
            baseline=baseline,
            target=target,
            direction=Direction.INCREASE,
            starts_on=start.date(),
            milestones=["Plan", "Halfway", "Done"],
        )
        for m in members
    }
    values = dict.fromkeys(goals, baseline)
    cycles = list(Cycle.objects.filter(circle=circle, deadline_at__lt=now).order_by("index"))
    drifter = members[-1]  # misses the last two cycles: the re-engagement ladder has someone to help
    paused = members[-2] if len(members) > 3 else None
    if circle.slug == "weekly-wins" and len(cycles) > 8:
        blackout_day = cycles[7].deadline_local_date()
        checkin_services.blackout_add(
            circle=circle,
            actor=_facilitator(circle),
            starts_on=blackout_day,
            ends_on=blackout_day,
            reason="Holiday",
        )
    for position, cycle in enumerate(cycles):
        for membership in members:
            if membership is drifter and position >= len(cycles) - 2:
                continue
            if paused is not None and membership is paused and position in (4, 5):
                continue
            roll = rng.random()
            if roll < 0.1:
                continue  # missed
            late = roll > 0.85
            at = cycle.deadline_at + (
                timedelta(hours=rng.randint(2, 20)) if late else -timedelta(hours=rng.randint(1, 40))
            )
            at = max(at, cycle.opens_at + timedelta(minutes=5))
            values[membership.pk] += Decimal(rng.randint(1, 4)) * (target - baseline) / Decimal(40)
            due = list(Commitment.objects.filter(membership=membership, cycle=cycle))
            checkin_services.checkin_submit(
                membership=membership,
                cycle=cycle,
                actor=membership.user,
                expected_version=None,
                now=at,
                answers=CheckinAnswers(
                    wins=rng.choice(WINS),
                    blockers=rng.choice(BLOCKERS),
                    confidence=rng.randint(2, 5),
                    reviews=[
                        CommitmentReview(
                            c.pk, rng.choice(["done", "done", "partial", "missed"]), carry_forward=True
                        )
                        for c in due
                    ],
                    progress={
                        goals[membership.pk].pk: min(values[membership.pk], target).quantize(Decimal("0.01"))
                    },
                    next_commitments=[NewCommitment(rng.choice(PROMISES), goal_id=goals[membership.pk].pk)],
                    help_request="Could someone review my plan?" if rng.random() < 0.1 else "",
                ),
            )
    if paused is not None and len(cycles) > 6:
        # The pause that explains the two quiet weeks above (recorded as it happened).
        pause_from = cycles[4].opens_at.date()
        checkin_services.pause_start(
            membership=paused,
            actor=paused.user,
            starts_on=pause_from,
            ends_on=cycles[5].deadline_local_date(),
            reason="Family matters",
            today=pause_from,
        )
        checkin_services.pauses_sync(now=now)


def _facilitator(circle: Circle) -> object:
    return Membership.objects.filter(circle=circle, role="facilitator").select_related("user").first().user  # type: ignore[union-attr]
