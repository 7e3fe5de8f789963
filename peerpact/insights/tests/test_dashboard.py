"""The organizer dashboard: figures on a hand-built circle, "needs you this week" with its reasons, the
same health as the circle health page, filters, htmx, and who may see it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.engagement import health
from peerpact.engagement.services import reengagement_advance
from peerpact.engagement.tests.conftest import deadline, grace_end
from peerpact.feedback import services as feedback_services
from peerpact.goals import services as goal_services
from peerpact.goals.models import GoalStatus
from peerpact.insights import selectors
from peerpact.insights.selectors import NO_TAG, Filters, goal_standing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock(clock):
    return clock


def submit(circle, user, k: int, *, late: bool = False, help_request: str = "") -> Checkin:
    now = deadline(k) + (timedelta(hours=2) if late else -timedelta(hours=1))
    checkin_services.cycles_ensure(circle=circle, now=now)
    return checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=user),
        cycle=Cycle.objects.get(circle=circle, index=k),
        actor=user,
        answers=CheckinAnswers(wins="steady", help_request=help_request),
        expected_version=None,
        now=now,
    )


@pytest.fixture
def story(weekly, other_circle, alice, bob, olivia, clock):
    """Four weeks of `weekly`: alice on time every week; bob late in week 1, then silent (the ladder
    reaches step 2). Alice comments on bob's update and asks for help in week 4. `other_circle` is a pilot."""
    first = submit(weekly, bob, 1, late=True)
    for k in (1, 2, 3, 4):
        submit(weekly, alice, k, help_request="Stuck on my CV" if k == 4 else "")
    feedback_services.comment_add(
        checkin=first, actor=alice, body="You got this", now=deadline(1) + timedelta(hours=3)
    )
    for k in (2, 3, 4):
        clock.move_to(grace_end(k) + timedelta(minutes=1))
        checkin_services.cycles_ensure(circle=weekly, now=grace_end(k))
        reengagement_advance(now=grace_end(k) + timedelta(minutes=1))
    circle_services.circle_update(circle=other_circle, actor=olivia, pilot_tag="spring", purpose="job_search")
    goal_services.goal_create(
        membership=Membership.objects.get(circle=weekly, user=bob),
        actor=bob,
        title="Read 10 books",
        target=10,
        starts_on=date(2025, 12, 1),
        due_on=date(2026, 1, 20),
    )
    done = goal_services.goal_create(
        membership=Membership.objects.get(circle=weekly, user=alice),
        actor=alice,
        title="Ship it",
        direction="done",
    )
    done.status = GoalStatus.ACHIEVED
    done.save(update_fields=["status"])
    clock.move_to(grace_end(4) + timedelta(minutes=5))
    return weekly


def test_the_figures_of_a_hand_built_circle_are_right(story, community):
    board = selectors.dashboard(community=community, filters=Filters(), now=timezone.now())
    figure = next(f for f in board.circles if f.circle == story)
    assert (figure.period.on_time, figure.period.late, figure.period.missed) == (4, 1, 3)
    assert figure.period.rate == 5 / 8
    assert figure.members == 2
    assert (figure.goals.achieved, figure.goals.on_track, figure.goals.behind) == (1, 0, 1)
    assert figure.reciprocal == 0  # alice gave, bob received: nobody did both
    assert figure.help_open == 1
    totals = board.summary
    assert (totals.counts.on_time, totals.counts.late, totals.counts.missed) == (4, 1, 3)
    assert totals.people == 3 and totals.seats == 3 and totals.circles == 2
    weeks = {w.starts_on: w.counts for w in board.weeks}
    assert len(board.weeks) == 12
    assert weeks[date(2026, 1, 5)].on_time == 1 and weeks[date(2026, 1, 5)].late == 1
    assert weeks[date(2026, 1, 26)].missed == 1 and weeks[date(2026, 1, 26)].on_time == 1


def test_the_dashboard_health_is_the_circle_health_pages(story, community):
    now = timezone.now()
    board = selectors.dashboard(community=community, filters=Filters(), now=now)
    figure = next(f for f in board.circles if f.circle == story)
    single = health.circle_health(circle=story, now=now, detail=False)
    assert figure.health.label == single.label == "needs_attention"
    assert [(s.key, s.value, s.status) for s in figure.health.signals] == [
        (s.key, s.value, s.status) for s in single.signals
    ]


def test_needs_you_names_the_circle_and_the_member_with_the_reason(client, story, community, otto):
    client.force_login(otto)
    response = client.get(reverse("dashboard:overview", kwargs={"slug": community.slug}))
    assert response.status_code == 200
    page = response.content.decode()
    needs = page[page.index("Needs you this week") : page.index("At a glance")]
    assert "Weekly Wins" in needs and "Job Search" not in needs
    assert "Members drifting" in needs and "missed three cycles or more" in needs
    assert "Bob" in needs and "missed two cycles in a row" in needs
    assert "step 2" in needs


def test_pilot_circles_are_compared_with_the_rest(story, community):
    board = selectors.dashboard(community=community, filters=Filters(), now=timezone.now())
    assert [(g.label, g.circles) for g in board.pilot] == [("spring", 1), ("", 1)]
    assert board.pilot[1].counts.missed == 3 and board.pilot[0].counts.expected == 0


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        (Filters(pilot="spring"), ["Job Search"]),
        (Filters(pilot=NO_TAG), ["Weekly Wins"]),
        (Filters(purpose="job_search"), ["Job Search"]),
        (Filters(purpose="fitness"), []),
    ],
)
def test_filters_narrow_the_circles(story, community, filters, names):
    board = selectors.dashboard(community=community, filters=filters, now=timezone.now())
    assert sorted(f.circle.name for f in board.circles) == names


def test_the_period_filter_and_the_circle_filter_come_from_the_query_string(client, story, community, otto):
    client.force_login(otto)
    url = reverse("dashboard:overview", kwargs={"slug": community.slug})
    response = client.get(url, {"circle": story.pk, "weeks": 4})
    assert response.status_code == 200
    assert response.context["board"].filters == Filters(circle=story.pk, weeks=4)
    assert len(response.context["board"].weeks) == 4
    assert [f.circle for f in response.context["board"].circles] == [story]
    bad = client.get(url, {"weeks": 7})
    assert bad.status_code == 400 and "default view" in bad.content.decode()
    assert bad.context["board"].filters == Filters()


def test_an_htmx_filter_gets_only_the_results(client, story, community, otto):
    client.force_login(otto)
    response = client.get(
        reverse("dashboard:overview", kwargs={"slug": community.slug}),
        {"pilot": "spring"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and "Needs you this week" in page
    assert "Pilots compared" not in page  # one group only


def test_the_circles_table_is_paginated(client, story, community, otto, olivia):
    for n in range(30):
        circle_services.circle_create(
            community=community, creator=olivia, name=f"Extra {n:02}", facilitate=False
        )
    client.force_login(otto)
    url = reverse("dashboard:overview", kwargs={"slug": community.slug})
    first = client.get(url)
    assert len(first.context["page"].object_list) == 25 and "Page 1 of 2" in first.content.decode()
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 7


@pytest.mark.parametrize(
    ("persona", "status"),
    [("olivia", 200), ("otto", 200), ("alice", 403), ("bob", 403), ("carol", 404)],
)
def test_only_organizers_see_the_dashboard(client, story, community, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("dashboard:overview", kwargs={"slug": community.slug})).status_code == status


def test_goal_standing_compares_progress_with_time_passed():
    today = date(2026, 3, 1)
    common = {"direction": "increase", "baseline": 0, "starts_on": date(2026, 1, 1), "today": today}
    halfway = {**common, "due_on": date(2026, 5, 1), "target": 100}  # 59 of 120 days passed
    assert goal_standing(status="active", latest=45, **halfway) == "on_track"
    assert goal_standing(status="active", latest=30, **halfway) == "behind"
    assert goal_standing(status="active", latest=None, **{**halfway, "due_on": date(2026, 2, 1)}) == "behind"
    assert goal_standing(status="achieved", latest=None, **halfway) == "achieved"
    assert goal_standing(status="paused", latest=None, **halfway) is None
    assert (
        goal_standing(status="active", latest=None, **{**common, "due_on": None, "target": 5}) == "on_track"
    )


def test_the_community_page_links_organizers_to_the_dashboard(client, community, otto, bob, circle):
    url = reverse("communities:detail", kwargs={"slug": community.slug})
    insights = reverse("dashboard:overview", kwargs={"slug": community.slug})
    client.force_login(otto)
    assert insights in client.get(url).content.decode()
    client.force_login(bob)
    assert insights not in client.get(url).content.decode()
