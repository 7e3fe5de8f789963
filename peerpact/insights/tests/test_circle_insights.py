"""A circle's insights (heatmap with paused/blackout/late cells, streaks, goal charts) and a member's,
with the same access rules as the tracker; and the CSV exports with their privacy rules."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse

from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Blackout, Cycle, Pause
from peerpact.checkins.services import CheckinAnswers, NewCommitment
from peerpact.circles.models import Membership
from peerpact.engagement.tests.conftest import deadline, grace_end
from peerpact.goals import services as goal_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock(clock):
    return clock


@pytest.fixture
def history(weekly, alice, bob, clock):
    """Alice: on time in 1, late in 2, missed 3, 4 is a blackout. Bob: paused in 2 and 3 (reason
    "surgery"), on time in 1. Bob has a private goal named like a formula and a shared one."""
    bob_seat = Membership.objects.get(circle=weekly, user=bob)
    alice_seat = Membership.objects.get(circle=weekly, user=alice)
    shared = goal_services.goal_create(membership=bob_seat, actor=bob, title="Run 100 km", target=100)
    secret = goal_services.goal_create(
        membership=bob_seat, actor=bob, title='=HYPERLINK("http://x")', target=5, visibility="private"
    )
    for user, seat, k, late in (
        (alice, alice_seat, 1, False),
        (bob, bob_seat, 1, False),
        (alice, alice_seat, 2, True),
    ):
        now = deadline(k) + (timedelta(hours=2) if late else -timedelta(hours=1))
        checkin_services.cycles_ensure(circle=weekly, now=now)
        progress = {shared.pk: 12, secret.pk: 1} if user == bob else {}
        checkin_services.checkin_submit(
            membership=seat,
            cycle=Cycle.objects.get(circle=weekly, index=k),
            actor=user,
            answers=CheckinAnswers(
                wins="ok",
                progress=progress,
                next_commitments=[NewCommitment("Secret step", goal_id=secret.pk)] if user == bob else [],
            ),
            expected_version=None,
            now=now,
        )
    Pause.objects.create(
        membership=bob_seat, starts_on=date(2026, 1, 12), ends_on=date(2026, 1, 24), reason="surgery"
    )
    Blackout.objects.create(
        circle=weekly, starts_on=date(2026, 1, 30), ends_on=date(2026, 1, 31), reason="Holiday"
    )
    clock.move_to(grace_end(4) + timedelta(minutes=5))
    checkin_services.cycles_ensure(circle=weekly, now=grace_end(4))
    return weekly


def url(name: str, circle, **extra) -> str:
    return reverse(
        f"circle-insights:{name}", kwargs={"community": circle.community.slug, "circle": circle.slug, **extra}
    )


def test_the_heatmap_tells_on_time_late_missed_paused_and_blackout_apart(client, history, bob):
    client.force_login(bob)
    response = client.get(url("circle", history))
    assert response.status_code == 200
    lines = {line.membership.user.name: line.kinds for line in response.context["insights"].lines}
    assert lines["Alice"][:4] == ["on_time", "late", "missed", "blackout"]
    assert lines["Bob"][:4] == ["on_time", "paused", "paused", "blackout"]
    page = response.content.decode()
    assert "Show as table" in page and "surgery" not in page
    streaks = {
        line.membership.user.name: (line.streak, line.longest) for line in response.context["insights"].lines
    }
    assert streaks["Bob"] == (1, 1) and streaks["Alice"] == (0, 1)


def test_goal_charts_show_what_the_viewer_may_see(client, history, alice, bob, otto):
    client.force_login(alice)
    titles = [g.row.goal.title for g in client.get(url("circle", history)).context["insights"].goals]
    assert titles == ["Run 100 km"]
    client.force_login(otto)
    titles = [g.row.goal.title for g in client.get(url("circle", history)).context["insights"].goals]
    assert sorted(titles) == sorted(["Run 100 km", '=HYPERLINK("http://x")'])
    chart = next(g for g in client.get(url("circle", history)).context["insights"].goals if g.chart)
    assert chart.history[0]["value"] == 12 or chart.history[0]["value"] == 1


@pytest.mark.parametrize(
    ("persona", "status"), [("bob", 200), ("alice", 200), ("otto", 200), ("dave", 404), ("carol", 404)]
)
def test_the_circle_page_is_for_those_who_see_the_tracker(
    client, history, other_circle, request, persona, status
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("circle", history)).status_code == status


def test_members_see_their_own_view_and_managers_see_everyone(client, history, alice, bob, otto):
    bob_seat = Membership.objects.get(circle=history, user=bob)
    alice_seat = Membership.objects.get(circle=history, user=alice)
    client.force_login(bob)
    mine = client.get(url("member", history, membership_id=bob_seat.pk))
    assert mine.status_code == 200 and "Your check-ins and goals" in mine.content.decode()
    assert [line.membership for line in mine.context["insights"].lines] == [bob_seat]
    refused = client.get(url("member", history, membership_id=alice_seat.pk))
    assert refused.status_code == 403 and "facilitators" in refused.content.decode()
    for manager in (alice, otto):
        client.force_login(manager)
        assert client.get(url("member", history, membership_id=bob_seat.pk)).status_code == 200


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_exports_are_for_facilitators_and_organizers(client, history, alice, bob, otto, community):
    client.force_login(bob)
    assert client.get(url("export", history, kind="checkins")).status_code == 403
    client.force_login(alice)
    assert client.get(url("export", history, kind="checkins")).status_code == 200
    assert client.get(url("export", history, kind="nonsense")).status_code == 404
    community_url = reverse("dashboard:export", kwargs={"slug": community.slug, "kind": "goals"})
    assert client.get(community_url).status_code == 403
    client.force_login(otto)
    assert client.get(community_url).status_code == 200


def test_the_checkins_export_is_the_trackers(client, history, otto, other_circle):
    client.force_login(otto)
    rows = rows_of(
        client.get(reverse("dashboard:export", kwargs={"slug": history.community.slug, "kind": "checkins"}))
    )
    assert rows[0][:3] == ["Circle", "Member", "Email"]
    states = {(r[1], r[3]): r[6] for r in rows[1:] if r[0] == "Weekly Wins"}
    assert states[("Alice", "2")] == "late" and states[("Alice", "3")] == "missed"
    assert states[("Bob", "2")] == "excused"
    assert "surgery" not in str(rows)


def test_private_goals_stay_private_in_exports_and_formulas_are_defused(client, history, alice, otto):
    client.force_login(alice)
    goals = rows_of(client.get(url("export", history, kind="goals")))
    assert [r[3] for r in goals[1:]] == ["Run 100 km"]
    commitments = rows_of(client.get(url("export", history, kind="commitments")))
    assert commitments[1][3] == "Secret step" and commitments[1][4] == ""  # the goal's title is private
    client.force_login(otto)
    goals = rows_of(client.get(url("export", history, kind="goals")))
    titles = sorted(r[3] for r in goals[1:])
    assert titles == ['\'=HYPERLINK("http://x")', "Run 100 km"]
    commitments = rows_of(client.get(url("export", history, kind="commitments")))
    assert commitments[1][4] == '\'=HYPERLINK("http://x")'


def test_the_health_exports(client, history, otto, other_circle):
    client.force_login(otto)
    circle_rows = rows_of(client.get(url("export", history, kind="health")))
    assert [r[2] for r in circle_rows[1:]] == ["Alice", "Bob"]
    community_rows = rows_of(
        client.get(reverse("dashboard:export", kwargs={"slug": history.community.slug, "kind": "health"}))
    )
    assert sorted(r[0] for r in community_rows[1:]) == ["Job Search", "Weekly Wins"]
    reviews = rows_of(client.get(url("export", history, kind="reviews")))
    assert reviews[0][0] == "Program" and len(reviews) == 1
