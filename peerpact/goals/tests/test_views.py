from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from peerpact.checkins.models import Cycle
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.goals import services
from peerpact.goals.models import Direction, Goal, GoalProgress, GoalStatus, GoalVisibility, Milestone

pytestmark = pytest.mark.django_db

FIRST_DEADLINE = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)


def u(name, circle, **kwargs):
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **kwargs})


def seat_of(user, circle):
    return Membership.objects.get(circle=circle, user=user)


def make_goal(user, circle, *, milestones=None, **fields):
    defaults = {
        "title": "Write the thesis",
        "direction": Direction.INCREASE,
        "unit": "pages",
        "baseline": Decimal(0),
        "target": Decimal(30),
    }
    return services.goal_create(
        membership=seat_of(user, circle), actor=user, milestones=milestones, **{**defaults, **fields}
    )


def make_cycle(circle, index):
    deadline = FIRST_DEADLINE + timedelta(weeks=index - 1)
    return Cycle.objects.create(
        circle=circle,
        index=index,
        opens_at=deadline - timedelta(weeks=1),
        deadline_at=deadline,
        grace_until=deadline + timedelta(hours=24),
        closes_at=deadline + timedelta(days=3),
    )


def record(goal, cycle, value):
    return GoalProgress.objects.create(
        goal=goal, cycle=cycle, value=Decimal(value), recorded_at=cycle.deadline_at
    )


def form_data(**extra):
    return {
        "title": "Run a half marathon",
        "why": "I promised my sister, and I want to feel strong again.",
        "direction": "increase",
        "unit": "km",
        "baseline": "5",
        "target": "21.1",
        "starts_on": "2026-01-05",
        "due_on": "2026-06-01",
        "status": "active",
        "visibility": "circle",
        "milestones": "Run 10 km\nRun 15 km\n\nRace day",
        **extra,
    }


# --- Setting and editing goals -------------------------------------------------------------------


def test_a_member_sets_a_goal_with_milestones(client, circle, bob):
    client.force_login(bob)
    assert client.get(u("goals:create", circle)).status_code == 200
    response = client.post(u("goals:create", circle), form_data())
    goal = Goal.objects.get(title="Run a half marathon")
    assert response.status_code == 302
    assert response["Location"] == u("goals:detail", circle, goal_id=goal.pk)
    assert goal.membership.user == bob and goal.target == Decimal("21.1")
    assert list(goal.milestones.values_list("title", flat=True)) == ["Run 10 km", "Run 15 km", "Race day"]
    page = client.get(response["Location"]).content.decode()
    assert "Run a half marathon" in page and "Race day" in page and "I promised my sister" in page
    assert "Your circle can see it" in page


def test_a_measured_goal_without_a_target_is_refused_and_everything_typed_is_kept(client, circle, bob):
    client.force_login(bob)
    response = client.post(u("goals:create", circle), form_data(target="", due_on="2025-12-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Run a half marathon"' in html and "I promised my sister" in html
    assert "Run 10 km\nRun 15 km" in html and 'value="km"' in html and 'value="5"' in html
    assert "Set a target to measure against" in html
    assert "The due date cannot be before the start date." in html
    assert re.search(r'name="target"[^>]*aria-invalid="true"', html)
    assert re.search(r'name="due_on"[^>]*aria-invalid="true"', html)
    assert not Goal.objects.exists()


def test_a_target_that_is_not_a_number_gets_one_clear_error(client, circle, bob):
    client.force_login(bob)
    response = client.post(u("goals:create", circle), form_data(target="lots"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a number." in html and "Set a target to measure against" not in html


def test_a_done_or_not_done_goal_needs_no_target(client, circle, bob):
    client.force_login(bob)
    response = client.post(
        u("goals:create", circle), form_data(direction="done", target="", unit="", milestones="")
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert goal.direction == Direction.DONE and goal.target is None


def test_an_empty_post_shows_the_errors(client, circle, bob):
    client.force_login(bob)
    response = client.post(u("goals:create", circle), {})
    assert response.status_code == 400
    assert not Goal.objects.exists()


def test_the_owner_edits_a_goal_and_marks_it_achieved(client, circle, bob):
    goal = make_goal(bob, circle)
    client.force_login(bob)
    page = client.get(u("goals:edit", circle, goal_id=goal.pk)).content.decode()
    assert 'value="Write the thesis"' in page
    data = form_data(title="Write the thesis", status="achieved", target="40")
    data.pop("milestones")
    response = client.post(u("goals:edit", circle, goal_id=goal.pk), data)
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.target == Decimal(40) and goal.status == GoalStatus.ACHIEVED and goal.achieved_at


def test_an_invalid_edit_is_refused_and_keeps_the_input(client, circle, bob):
    goal = make_goal(bob, circle)
    client.force_login(bob)
    response = client.post(
        u("goals:edit", circle, goal_id=goal.pk), form_data(title="Renamed thesis", target="")
    )
    assert response.status_code == 400
    assert 'value="Renamed thesis"' in response.content.decode()
    goal.refresh_from_db()
    assert goal.title == "Write the thesis" and goal.target == Decimal(30)


def test_a_facilitator_cannot_edit_a_peers_goal(client, circle, alice, bob):
    goal = make_goal(bob, circle)
    client.force_login(alice)
    for response in (
        client.get(u("goals:edit", circle, goal_id=goal.pk)),
        client.post(u("goals:edit", circle, goal_id=goal.pk), form_data(title="Hijacked")),
    ):
        assert response.status_code == 403
        assert "Only the goal&#x27;s owner can change it." in response.content.decode()
    goal.refresh_from_db()
    assert goal.title == "Write the thesis"


def test_an_organizer_without_a_seat_cannot_set_goals_in_the_circle(client, circle, olivia):
    client.force_login(olivia)
    response = client.post(u("goals:create", circle), form_data())
    assert response.status_code == 403
    assert "Only members of this circle set goals here" in response.content.decode()
    assert not Goal.objects.exists()


# --- Who sees what --------------------------------------------------------------------------------


def test_a_private_goal_is_hidden_from_peers_but_not_from_organizers(client, circle, alice, bob, olivia):
    shared = make_goal(bob, circle, title="Read twelve books")
    private = make_goal(bob, circle, title="Quit smoking", visibility=GoalVisibility.PRIVATE)
    client.force_login(alice)
    page = client.get(u("goals:list", circle)).content.decode()
    assert "Read twelve books" in page and "Quit smoking" not in page
    assert client.get(u("goals:detail", circle, goal_id=private.pk)).status_code == 404
    assert client.get(u("goals:edit", circle, goal_id=private.pk)).status_code == 404
    assert client.get(u("goals:detail", circle, goal_id=shared.pk)).status_code == 200

    client.force_login(olivia)
    page = client.get(u("goals:list", circle)).content.decode()
    assert "Read twelve books" in page and "Quit smoking" in page and "Private" in page
    assert client.get(u("goals:detail", circle, goal_id=private.pk)).status_code == 200

    client.force_login(bob)
    assert "Quit smoking" in client.get(u("goals:list", circle)).content.decode()


def test_people_outside_the_circle_learn_nothing(
    client, circle, bob, dave, other_circle, carol, other_community
):
    goal = make_goal(bob, circle)
    urls = [u("goals:list", circle), u("goals:create", circle), u("goals:detail", circle, goal_id=goal.pk)]
    for outsider in (dave, carol):
        client.force_login(outsider)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (outsider, url)
            assert "Weekly Wins" not in response.content.decode()


def test_a_former_member_loses_sight_of_the_goals(client, circle, alice, bob):
    goal = make_goal(alice, circle)
    circle_services.membership_leave(circle=circle, user=bob)
    client.force_login(bob)
    assert client.get(u("goals:list", circle)).status_code == 404
    assert client.get(u("goals:detail", circle, goal_id=goal.pk)).status_code == 404


def test_a_goal_of_another_circle_is_not_found_through_this_one(client, circle, olivia, dave, other_circle):
    elsewhere = make_goal(dave, other_circle)
    client.force_login(olivia)  # organizer: may see both circles, but not through the wrong URL
    assert client.get(u("goals:detail", circle, goal_id=elsewhere.pk)).status_code == 404
    assert client.get(u("goals:detail", other_circle, goal_id=elsewhere.pk)).status_code == 200


# --- The list ------------------------------------------------------------------------------------


def test_an_empty_list_explains_how_to_set_a_first_goal(client, circle, bob):
    client.force_login(bob)
    page = client.get(u("goals:list", circle)).content.decode()
    assert "You have not set a goal yet" in page
    assert u("goals:create", circle) in page


def test_my_goals_come_first_with_edit_links_then_peers_with_status_and_progress(client, circle, alice, bob):
    today = timezone.localdate(timezone=ZoneInfo(bob.timezone))  # "overdue" is judged in the viewer's zone
    theirs = make_goal(alice, circle, title="Learn Spanish", direction=Direction.DONE, target=None)
    mine = make_goal(
        bob,
        circle,
        title="Write the thesis",
        starts_on=today - timedelta(days=60),
        due_on=today - timedelta(days=1),
    )
    record(mine, make_cycle(circle, 1), "12")
    client.force_login(bob)
    page = client.get(u("goals:list", circle)).content.decode()
    assert page.index("Write the thesis") < page.index("Learn Spanish")
    assert u("goals:edit", circle, goal_id=mine.pk) in page
    assert u("goals:edit", circle, goal_id=theirs.pk) not in page
    assert "Overdue" in page and "Active" in page
    assert f'<progress id="goal-{mine.pk}-progress" max="100" value="40"' in page
    assert "40% of the way to the target" in page
    assert "From 0 up to 30 pages" in page and "Done or not done" in page


def test_the_list_page_query_count_does_not_grow_with_the_number_of_goals(
    client, circle, alice, bob, olivia, django_assert_num_queries
):
    make_goal(bob, circle, milestones=["One"])
    make_goal(alice, circle)
    client.force_login(bob)
    url = u("goals:list", circle)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    cycles = [make_cycle(circle, i) for i in (1, 2, 3)]
    for owner in (bob, alice, bob, alice):
        goal = make_goal(owner, circle, milestones=["A", "B"])
        for cycle in cycles:
            record(goal, cycle, "3")
    make_goal(alice, circle, title="Secret", visibility=GoalVisibility.PRIVATE)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count('class="card goal-card') == 6  # alice's private goal is not among them


# --- The detail page ------------------------------------------------------------------------------


def test_the_detail_page_draws_an_accessible_chart_with_the_same_numbers_in_a_table(client, circle, bob):
    goal = make_goal(bob, circle, baseline=Decimal(2), target=Decimal(22))
    for index, value in ((1, "4"), (2, "9.5"), (3, "12")):
        record(goal, make_cycle(circle, index), value)
    client.force_login(bob)
    page = client.get(u("goals:detail", circle, goal_id=goal.pk)).content.decode()
    start = page.index('<svg class="chart__svg"')
    svg = page[start : page.index("</svg>", start)]
    assert 'role="img"' in svg and 'aria-labelledby="goal-chart-title goal-chart-desc"' in svg
    assert '<title id="goal-chart-title">Progress on “Write the thesis” by cycle</title>' in svg
    assert "3 values from cycle 1 to cycle 3, going from 4 to 12 pages." in svg
    assert "Target: 22 pages." in svg and "Starting value: 2 pages." in svg
    assert svg.count("<circle") == 3 and 'class="chart__target"' in svg
    assert "style=" not in svg and "<script" not in page.split("</head>")[1]
    table = page[page.index("<table>") : page.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 3
    assert "9.5 pages" in rows[1] and "38%" in rows[1]
    assert "12 pages" in rows[2] and "50%" in rows[2]


def test_chart_coordinates_stay_machine_readable_in_a_decimal_comma_language(client, circle, bob):
    bob.language = "es"
    bob.save(update_fields=["language"])
    goal = make_goal(bob, circle, target=Decimal("7.5"))
    record(goal, make_cycle(circle, 1), "1.25")
    record(goal, make_cycle(circle, 2), "3.3")
    client.force_login(bob)
    page = client.get(u("goals:detail", circle, goal_id=goal.pk)).content.decode()
    for name in ("cx", "cy", "x1", "y1", "x2", "y2", "x", "y"):
        for value in re.findall(rf' {name}="([^"]*)"', page):
            float(value)
    points = re.search(r'<polyline class="chart__line" points="([^"]*)"', page)
    assert points and len(points.group(1).split(" ")) == 2
    assert "3,3" in page  # the table still speaks Spanish


def test_the_chart_appears_with_the_first_reported_value(client, circle, bob):
    goal = make_goal(bob, circle)
    client.force_login(bob)
    page = client.get(u("goals:detail", circle, goal_id=goal.pk)).content.decode()
    assert '<svg class="chart__svg"' not in page
    assert "The chart appears after the first check-in" in page

    record(goal, make_cycle(circle, 1), "4")
    page = client.get(u("goals:detail", circle, goal_id=goal.pk)).content.decode()
    assert "1 value, in cycle 1: 4 pages." in page and page.count('class="chart__point"') == 1


# --- Milestones -----------------------------------------------------------------------------------


def test_the_owner_ticks_a_milestone_with_htmx_and_gets_just_the_row(client, circle, bob):
    goal = make_goal(bob, circle, milestones=["Outline", "Draft"])
    outline = goal.milestones.get(title="Outline")
    client.force_login(bob)
    url = u("goals:milestone-toggle", circle, goal_id=goal.pk, milestone_id=outline.pk)
    response = client.post(url, {"done": "true"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<li id="milestone-{outline.pk}">') and html.endswith("</li>")
    assert "<html" not in html and "Draft" not in html
    assert "Mark as not done" in html and 'value="false"' in html and "data-focus-after-swap" in html
    outline.refresh_from_db()
    assert outline.done_at is not None

    # The same request twice (a double click) leaves it done rather than flipping it back.
    client.post(url, {"done": "true"}, headers={"HX-Request": "true"})
    outline.refresh_from_db()
    assert outline.done_at is not None


def test_without_javascript_a_milestone_toggle_goes_back_to_the_goal(client, circle, bob):
    goal = make_goal(bob, circle, milestones=["Outline"])
    outline = goal.milestones.get()
    services.milestone_toggle(milestone=outline, actor=bob, done=True)
    client.force_login(bob)
    url = u("goals:milestone-toggle", circle, goal_id=goal.pk, milestone_id=outline.pk)
    page = client.get(u("goals:detail", circle, goal_id=goal.pk)).content.decode()
    assert f'action="{url}"' in page and 'name="done" value="false"' in page
    response = client.post(url, {"done": "false"})
    assert response.status_code == 302
    assert response["Location"] == u("goals:detail", circle, goal_id=goal.pk) + f"#milestone-{outline.pk}"
    outline.refresh_from_db()
    assert outline.done_at is None
    assert "is open again" in client.get(response["Location"]).content.decode()


def test_only_the_owner_may_tick_milestones(client, circle, alice, bob):
    goal = make_goal(bob, circle, milestones=["Outline"])
    outline = goal.milestones.get()
    client.force_login(alice)
    page = client.get(u("goals:detail", circle, goal_id=goal.pk)).content.decode()
    assert "Outline" in page and "Mark done" not in page
    url = u("goals:milestone-toggle", circle, goal_id=goal.pk, milestone_id=outline.pk)
    response = client.post(url, {"done": "true"}, headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert client.get(url).status_code == 405
    assert Milestone.objects.get(pk=outline.pk).done_at is None


def test_a_milestone_of_another_goal_is_not_found(client, circle, alice, bob):
    mine = make_goal(bob, circle, milestones=["Mine"])
    theirs = make_goal(alice, circle, milestones=["Theirs"])
    client.force_login(bob)
    url = u("goals:milestone-toggle", circle, goal_id=mine.pk, milestone_id=theirs.milestones.get().pk)
    assert client.post(url, {"done": "true"}).status_code == 404
    assert theirs.milestones.get().done_at is None


def test_the_owner_adds_a_milestone_later_and_a_blank_one_is_refused(client, circle, bob):
    from peerpact.circles.models import Membership
    from peerpact.goals import services as goal_services

    goal = goal_services.goal_create(
        membership=Membership.objects.get(circle=circle, user=bob),
        actor=bob,
        title="Learn Spanish",
        direction="done",
    )
    client.force_login(bob)
    add = reverse(
        "goals:milestone-add",
        kwargs={"community": circle.community.slug, "circle": circle.slug, "goal_id": goal.pk},
    )
    refused = client.post(add, {"title": "  "})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    client.post(add, {"title": "Order coffee in Spanish", "due_on": "2027-01-31"})
    client.post(add, {"title": "Watch a film without subtitles"})
    assert list(goal.milestones.values_list("title", flat=True)) == [
        "Order coffee in Spanish",
        "Watch a film without subtitles",
    ]
