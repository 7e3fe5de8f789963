"""The dashboard reads in the same number of queries at 1x and 10x data (circles, members, cycles,
check-ins, goals, feedback, pauses, blackouts, ladder cases), built quickly with bulk_create."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpact.accounts.models import User
from peerpact.checkins.models import Blackout, Checkin, Cycle, Pause
from peerpact.circles.models import Circle, Membership, MembershipStatus
from peerpact.communities.models import CommunityMembership
from peerpact.engagement.models import ReengagementCase
from peerpact.feedback.models import Comment, Feedback
from peerpact.goals.models import Goal, GoalProgress
from peerpact.insights import selectors, summaries
from peerpact.insights.selectors import Filters

pytestmark = pytest.mark.django_db
CYCLES = 6


def build(community, *, circles: int, members: int, tag: str) -> None:
    """`circles` circles of `members` people with CYCLES finished weekly cycles of mixed check-ins."""
    now = timezone.now()
    # Every cycle finished (grace over), the last still open for a late update; no grace period ends
    # during a test (that would make a pinned query count depend on timing).
    start = now - timedelta(weeks=CYCLES, days=2)
    users = User.objects.bulk_create(
        User(email=f"{tag}-{i}@example.com", display_name=f"{tag} {i}", password="!")
        for i in range(circles * members)
    )
    CommunityMembership.objects.bulk_create(CommunityMembership(community=community, user=u) for u in users)
    made = Circle.objects.bulk_create(
        Circle(
            community=community,
            name=f"{tag} circle {c}",
            slug=f"{tag}-circle-{c}",
            pilot_tag="pilot" if c % 2 else "",
            status="active",
        )
        for c in range(circles)
    )
    seats = Membership.objects.bulk_create(
        Membership(
            circle=made[i // members],
            user=u,
            status=MembershipStatus.ACTIVE,
            joined_at=start - timedelta(days=1),
            charter_accepted_at=start - timedelta(days=1),
        )
        for i, u in enumerate(users)
    )
    cycles = Cycle.objects.bulk_create(
        Cycle(
            circle=circle,
            index=k + 1,
            opens_at=start + timedelta(weeks=k),
            deadline_at=start + timedelta(weeks=k + 1),
            grace_until=start + timedelta(weeks=k + 1, hours=24),
            closes_at=start + timedelta(weeks=k + 2),
        )
        for circle in made
        for k in range(CYCLES)
    )
    by_circle: dict[int, list[Cycle]] = {}
    for cycle in cycles:
        by_circle.setdefault(cycle.circle_id, []).append(cycle)
    checkins = Checkin.objects.bulk_create(
        Checkin(
            membership=seat,
            cycle=cycle,
            submitted_at=cycle.deadline_at - timedelta(hours=1 if n % 3 else -2),
            help_request="help" if n % 7 == 0 else "",
        )
        for n, seat in enumerate(seats)
        for cycle in by_circle[seat.circle_id]
        if (n + cycle.index) % 4
    )
    Comment.objects.bulk_create(
        Comment(checkin=c, author=users[(i + 1) % len(users)], body="nice", created_at=c.cycle.deadline_at)
        for i, c in enumerate(checkins[::3])
    )
    Feedback.objects.bulk_create(
        Feedback(checkin=c, author=users[i % len(users)], worked="ok", anonymous=i % 2 == 0, created_at=now)
        for i, c in enumerate(checkins[1::5])
    )
    goals = Goal.objects.bulk_create(
        Goal(
            membership=seat,
            title="Read",
            target=Decimal(10),
            starts_on=date(2025, 1, 1),
            due_on=date(2030, 1, 1),
        )
        for seat in seats
    )
    GoalProgress.objects.bulk_create(
        GoalProgress(
            goal=goal, cycle=by_circle[goal.membership.circle_id][-1], value=Decimal(3), recorded_at=now
        )
        for goal in goals[::2]
    )
    Pause.objects.bulk_create(Pause(membership=seat, starts_on=start.date()) for seat in seats[::members])
    Blackout.objects.bulk_create(
        Blackout(
            circle=circle,
            starts_on=start.date() + timedelta(days=10),
            ends_on=start.date() + timedelta(days=12),
        )
        for circle in made[::2]
    )
    ReengagementCase.objects.bulk_create(
        ReengagementCase(
            membership=seat,
            started_cycle=by_circle[seat.circle_id][2],
            step=2,
            step_at=now,
            last_cycle_index=4,
            created_at=now,
        )
        for seat in seats[1::members]
    )


def count_queries(client, community, otto) -> tuple[int, int]:
    """The live selector's queries, and the page's once the worker has summarized (its steady state)."""
    summaries.fill(now=timezone.now())
    with CaptureQueriesContext(connection) as read:
        board = selectors.dashboard(community=community, filters=Filters(), now=timezone.now())
    assert board.circles
    client.force_login(otto)
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("dashboard:overview", kwargs={"slug": community.slug}))
    assert response.status_code == 200
    return len(read.captured_queries), len(page.captured_queries)


def test_the_dashboard_query_count_is_the_same_at_ten_times_the_data(client, community, otto):
    build(community, circles=3, members=4, tag="one")
    small = count_queries(client, community, otto)
    build(community, circles=27, members=4 * 1, tag="ten")  # 30 circles, 120 members: 10x
    large = count_queries(client, community, otto)
    assert small == large == (16, 35)  # pinned: the selector's and the whole page's (docs/insights.md)


def test_the_filtered_dashboard_costs_the_same(client, community, otto):
    build(community, circles=4, members=3, tag="few")
    client.force_login(otto)
    url = reverse("dashboard:overview", kwargs={"slug": community.slug})
    summaries.fill(now=timezone.now())
    with CaptureQueriesContext(connection) as before:
        client.get(url, {"pilot": "pilot", "weeks": 26})
    build(community, circles=36, members=3, tag="many")
    summaries.fill(now=timezone.now())
    with CaptureQueriesContext(connection) as after:
        client.get(url, {"pilot": "pilot", "weeks": 26})
    assert len(before.captured_queries) == len(after.captured_queries)
