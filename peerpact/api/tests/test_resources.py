"""Each resource as the pages show it: same selectors, same access rules, pagination and filters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from conftest import seat
from peerpact.api.tests.conftest import assert_error
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, NewCommitment
from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(make_token, bob, alice, olivia, dave):
    return {user.name.lower(): make_token(user, scope="read") for user in (bob, alice, olivia, dave)}


def submit(circle, user, **answers):
    return checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=user),
        cycle=Cycle.objects.get(circle=circle, index=1),
        actor=user,
        answers=CheckinAnswers(**answers),
        expected_version=None,
    )


def test_communities_are_paginated_with_a_count(api, olivia, make_token) -> None:
    from peerpact.communities import services

    for name in ("Alpha", "Beta", "Gamma"):
        services.community_create(creator=olivia, name=name)
    token = make_token(olivia, scope="read")
    first = api("get", "communities?limit=2", token).json()
    second = api("get", "communities?limit=2&offset=2", token).json()
    assert (first["count"], first["limit"], first["offset"]) == (3, 2, 0)
    assert [c["name"] for c in first["results"] + second["results"]] == ["Alpha", "Beta", "Gamma"]
    assert first["results"][0]["my_role"] == "owner"


def test_circles_of_a_community_are_those_the_caller_may_see(api, tokens, circle, other_circle) -> None:
    community = circle.community.pk

    def names(who, q=""):
        found = api("get", f"communities/{community}/circles{q}", tokens[who]).json()["results"]
        return [c["name"] for c in found]

    assert names("bob") == ["Weekly Wins"]
    assert names("dave") == ["Job Search"]
    assert sorted(names("olivia")) == ["Job Search", "Weekly Wins"]
    assert names("olivia", "?status=active") == ["Weekly Wins"]
    detail = api("get", f"circles/{circle.pk}", tokens["bob"]).json()
    assert detail["my_membership"]["role"] == "member" and detail["seated_count"] == 2
    assert_error(api("get", f"circles/{circle.pk}", tokens["dave"]), 404, "not_found")  # private


def test_members_are_shown_to_members_with_emails_only_for_managers(api, tokens, circle) -> None:
    members = api("get", f"circles/{circle.pk}/memberships", tokens["bob"]).json()
    assert [m["name"] for m in members["results"]] == ["Alice", "Bob"]
    assert {m["email"] for m in members["results"]} == {None}
    managed = api("get", f"circles/{circle.pk}/memberships", tokens["alice"]).json()
    assert "bob@example.com" in {m["email"] for m in managed["results"]}
    assert_error(api("get", f"circles/{circle.pk}/memberships", tokens["dave"]), 404, "not_found")


def test_a_listed_circle_shows_itself_but_not_its_members_to_other_members(
    api, tokens, circle, other_circle, alice
) -> None:
    from peerpact.circles import services as circle_services

    circle_services.circle_update(circle=circle, actor=alice, visibility="listed")
    assert api("get", f"circles/{circle.pk}", tokens["dave"]).status_code == 200
    for path in ("memberships", "tracker", "checkins", "goals", "commitments", "schedule", "cycles"):
        assert_error(api("get", f"circles/{circle.pk}/{path}", tokens["dave"]), 404, "not_found")


def test_schedule_and_cycles(api, tokens, weekly, circle) -> None:
    schedule = api("get", f"circles/{weekly.pk}/schedule", tokens["bob"]).json()
    assert schedule["has_schedule"] and schedule["timezone"] == "Europe/Madrid"
    assert schedule["deadline_rule"] == "FREQ=WEEKLY;BYDAY=FR" and schedule["grace_hours"] == 24
    assert schedule["upcoming_deadlines"][0].startswith("2026-01-09T17:00:00")
    cycles = api("get", f"circles/{weekly.pk}/cycles", tokens["bob"]).json()
    assert cycles["count"] == 2 and [c["index"] for c in cycles["results"]] == [2, 1]
    assert cycles["results"][1]["is_open"] and not cycles["results"][0]["is_open"]


def test_a_circle_without_a_schedule_says_so(api, tokens, circle) -> None:
    assert api("get", f"circles/{circle.pk}/schedule", tokens["bob"]).json()["has_schedule"] is False


def test_the_tracker_shows_done_and_missed_per_member_and_cycle(api, tokens, weekly, bob, clock) -> None:
    submit(weekly, bob, wins="done")
    clock.shift(timedelta(days=8))  # past cycle 1's grace period: alice missed it
    tracker = api("get", f"circles/{weekly.pk}/tracker", tokens["bob"]).json()
    assert [c["index"] for c in tracker["cycles"]] == [1, 2]
    rows = {r["name"]: r for r in tracker["rows"]}
    assert [c["state"] for c in rows["Bob"]["cells"]] == ["on_time", "pending"]
    assert [c["state"] for c in rows["Alice"]["cells"]] == ["missed", "pending"]
    assert (rows["Bob"]["on_time"], rows["Alice"]["missed"], rows["Bob"]["streak"]) == (1, 1, 1)
    only = api(
        "get", f"circles/{weekly.pk}/tracker?member={rows['Bob']['membership_id']}&from=2", tokens["bob"]
    ).json()
    assert [r["name"] for r in only["rows"]] == ["Bob"] and [c["index"] for c in only["cycles"]] == [2]
    assert_error(
        api("get", f"circles/{weekly.pk}/tracker?from=3&to=2", tokens["bob"]), 400, "validation_error"
    )


def test_paused_members_are_excused_and_their_reason_stays_private(api, tokens, weekly, bob, alice) -> None:
    from django.utils import timezone

    checkin_services.pause_start(
        membership=Membership.objects.get(circle=weekly, user=bob),
        actor=bob,
        starts_on=timezone.localdate(),
        reason="Surgery",
    )
    for who in ("bob", "alice", "olivia"):
        for path in ("tracker", "memberships", "checkins"):
            assert "Surgery" not in api("get", f"circles/{weekly.pk}/{path}", tokens[who]).content.decode()
    rows = {r["name"]: r for r in api("get", f"circles/{weekly.pk}/tracker", tokens["alice"]).json()["rows"]}
    assert rows["Bob"]["status"] == "paused" and rows["Bob"]["cells"][0]["state"] == "excused"


def test_checkins_shared_with_facilitators_only_stay_hidden_from_peers(
    api, tokens, weekly, bob, alice
) -> None:
    private = submit(weekly, bob, wins="Only for Alice", visibility="facilitators")
    submit(weekly, alice, wins="For everyone")
    as_bob = {
        e["name"]: e for e in api("get", f"circles/{weekly.pk}/checkins", tokens["bob"]).json()["entries"]
    }
    assert as_bob["Bob"]["checkin"]["wins"] == "Only for Alice"
    assert as_bob["Alice"]["checkin"]["wins"] == "For everyone"
    # A peer (a second member) sees that bob checked in, not what he wrote.
    from peerpact.accounts.models import User

    peer = User.objects.create_user(email="pat@example.com", password="x" * 12, display_name="Pat")
    seat(weekly, peer, alice)
    from peerpact.api import services

    peer_token = services.token_create(user=peer, name="t").secret
    body = api("get", f"circles/{weekly.pk}/checkins?cycle=1", peer_token)
    entries = {e["name"]: e for e in body.json()["entries"]}
    assert entries["Bob"]["state"] == "on_time" and entries["Bob"]["checkin"] is None
    assert not entries["Bob"]["is_shared_with_me"] and "Only for Alice" not in body.content.decode()
    assert_error(api("get", f"circles/{weekly.pk}/checkins/{private.pk}", peer_token), 404, "not_found")
    assert (
        api("get", f"circles/{weekly.pk}/checkins/{private.pk}", tokens["alice"]).json()["wins"]
        == "Only for Alice"
    )
    assert_error(
        api("get", f"circles/{weekly.pk}/checkins?cycle=2", tokens["bob"]), 404, "not_found"
    )  # not open


def test_goals_private_goals_and_commitments(api, tokens, weekly, bob, alice) -> None:
    seat_of = lambda u: Membership.objects.get(circle=weekly, user=u)  # noqa: E731
    shared = goal_services.goal_create(
        membership=seat_of(bob), actor=bob, title="Run 100 km", target=100, milestones=["First 10 km"]
    )
    private = goal_services.goal_create(
        membership=seat_of(bob), actor=bob, title="Secret goal", target=5, visibility="private"
    )
    submit(
        weekly,
        bob,
        wins="w",
        progress={shared.pk: 12},
        next_commitments=[NewCommitment(text="Run twice", goal_id=private.pk)],
    )
    as_alice = api("get", f"circles/{weekly.pk}/goals", tokens["alice"]).json()
    assert [g["title"] for g in as_alice["results"]] == ["Run 100 km"]
    assert Decimal(as_alice["results"][0]["latest_value"]) == 12 and as_alice["results"][0]["percent"] == 12
    as_bob = api("get", f"circles/{weekly.pk}/goals?limit=1", tokens["bob"]).json()
    assert as_bob["count"] == 2 and len(as_bob["results"]) == 1
    assert api("get", f"circles/{weekly.pk}/goals?status=achieved", tokens["bob"]).json()["count"] == 0
    detail = api("get", f"circles/{weekly.pk}/goals/{shared.pk}", tokens["alice"]).json()
    assert [m["title"] for m in detail["milestones"]] == ["First 10 km"]
    assert [(p["cycle"], Decimal(p["value"])) for p in detail["progress"]] == [(1, 12)]
    assert_error(api("get", f"circles/{weekly.pk}/goals/{private.pk}", tokens["alice"]), 404, "not_found")
    assert api("get", f"circles/{weekly.pk}/goals/{private.pk}", tokens["olivia"]).status_code == 200
    commitments = api("get", f"circles/{weekly.pk}/commitments?cycle=2", tokens["alice"]).json()["results"]
    assert [(c["text"], c["goal_id"]) for c in commitments] == [("Run twice", None)]  # the goal stays private
    mine = api("get", f"circles/{weekly.pk}/commitments?status=open", tokens["bob"]).json()["results"]
    assert mine[0]["goal_id"] == private.pk
    assert_error(api("get", f"circles/{weekly.pk}/goals", tokens["dave"]), 404, "not_found")


def test_a_check_in_is_updated_with_put_and_patch(api, weekly, bob, alice, make_token) -> None:
    token = make_token(bob)
    created = api("post", f"circles/{weekly.pk}/checkins", token, {"wins": "v1", "confidence": 3})
    assert created.status_code == 201
    body = created.json()
    assert (body["version"], body["cycle"], body["is_late"]) == (1, 1, False)
    url = f"circles/{weekly.pk}/checkins/{body['id']}"
    patched = api("patch", url, token, {"version": 1, "blockers": "rain"}).json()
    assert (patched["wins"], patched["blockers"], patched["confidence"], patched["version"]) == (
        "v1",
        "rain",
        3,
        2,
    )
    replaced = api("put", url, token, {"version": 2, "wins": "v3"}).json()
    assert (replaced["wins"], replaced["blockers"], replaced["confidence"], replaced["version"]) == (
        "v3",
        "",
        None,
        3,
    )
    again = api("post", f"circles/{weekly.pk}/checkins", token, {"wins": "v4", "version": 3})
    assert again.status_code == 200 and again.json()["version"] == 4
    # Someone else's check-in: alice (the facilitator) may read it, not change it.
    error = assert_error(api("patch", url, make_token(alice), {"version": 4, "wins": "no"}), 403, "forbidden")
    assert "own" in error["message"]
    assert_error(api("put", url, token, {"wins": "no version"}), 400, "validation_error")
