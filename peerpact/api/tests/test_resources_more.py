"""Feedback, notifications and programs in the API: the pages' rules, privacy, pagination, scopes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import START, seat
from peerpact.api.tests.conftest import assert_error
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.communities import services as community_services
from peerpact.feedback import services as feedback_services
from peerpact.notifications import outbox
from peerpact.notifications.models import Channel
from peerpact.programs import services as program_services
from peerpact.programs.models import ReviewAssignment

pytestmark = pytest.mark.django_db
LEVELS = [{"score": 1, "label": "Tried"}, {"score": 2, "label": "Strong"}]


def submit(circle: Any, user: Any, **answers: Any) -> Any:
    return checkin_services.checkin_submit(
        membership=Membership.objects.get(circle=circle, user=user),
        cycle=Cycle.objects.get(circle=circle, index=1),
        actor=user,
        answers=CheckinAnswers(**answers),
        expected_version=None,
    )


@pytest.fixture
def tokens(make_token, bob, alice, olivia, otto, dave):
    people = (bob, alice, olivia, otto, dave)
    return {user.name.lower(): make_token(user, scope="read") for user in people}


@pytest.fixture
def mia(make_user, weekly, alice):
    user = make_user("mia@example.com", "Mia")
    seat(weekly, user, alice)
    return user


# --- Comments -------------------------------------------------------------------------------------


def test_comments_are_listed_and_written_through_the_service(api, tokens, weekly, bob, alice, make_token):
    checkin = submit(weekly, bob, wins="Ran 21 km")
    feedback_services.comment_add(checkin=checkin, actor=alice, body="Great pace")
    url = f"circles/{weekly.pk}/checkins/{checkin.pk}/comments"
    created = api("post", url, make_token(bob), {"body": "Thanks!"})
    assert created.status_code == 201, created.content
    assert (created.json()["author"], created.json()["is_mine"]) == ("Bob", True)
    first = api("get", f"{url}?limit=1", tokens["alice"]).json()
    rest = api("get", f"{url}?limit=1&offset=1", tokens["alice"]).json()
    assert (first["count"], first["limit"]) == (2, 1)
    assert [c["body"] for c in first["results"] + rest["results"]] == ["Great pace", "Thanks!"]
    assert api("get", url, tokens["olivia"]).json()["count"] == 2  # organizers read the thread


def test_commenting_needs_a_write_token_and_a_seat(api, tokens, weekly, bob, olivia, make_token):
    checkin = submit(weekly, bob, wins="w")
    url = f"circles/{weekly.pk}/checkins/{checkin.pk}/comments"
    assert_error(api("post", url, tokens["bob"], {"body": "x"}), 403, "insufficient_scope")
    error = assert_error(api("post", url, make_token(olivia), {"body": "x"}), 403, "forbidden")
    assert "members" in error["message"]
    assert_error(api("post", url, make_token(bob), {"body": ""}), 400, "validation_error")
    assert_error(api("get", url, tokens["dave"]), 404, "not_found")


# --- Feedback -------------------------------------------------------------------------------------


@pytest.fixture
def anonymous_feedback(weekly, alice, bob, olivia):
    """bob writes anonymous feedback to alice and to olivia (an organizer who holds a seat)."""
    circle_services.circle_update(circle=weekly, actor=alice, allow_anonymous_feedback=True)
    weekly.refresh_from_db()
    seat(weekly, olivia, alice)
    to_alice = submit(weekly, alice, wins="Draft done")
    to_olivia = submit(weekly, olivia, wins="Budget done")
    for checkin in (to_alice, to_olivia):
        feedback_services.feedback_give(checkin=checkin, actor=bob, worked="Clear plan", anonymous=True)
    return to_alice, to_olivia


def _authors(body: dict[str, Any]) -> set[Any]:
    return {(f["author_id"], f["author"]) for f in body["results"]}


@pytest.mark.parametrize("who", ["alice", "olivia", "otto", "bob"])
def test_anonymous_feedback_never_names_its_author(api, make_token, anonymous_feedback, bob, who, request):
    user = request.getfixturevalue(who)
    token = make_token(user, scope="read")
    for path in ("me/feedback/received", "me/feedback/given"):
        response = api("get", path, token)
        body = response.json()
        assert _authors(body) <= {(None, None)}, body
        assert all(f["is_anonymous"] for f in body["results"])
        text = response.content.decode()
        assert "Bob" not in text and "bob@example.com" not in text
    received = api("get", "me/feedback/received", token).json()
    assert received["count"] == (1 if who in ("alice", "olivia") else 0)
    given = api("get", "me/feedback/given", token).json()
    assert given["count"] == (2 if who == "bob" else 0)
    if who == "bob":
        assert {f["is_mine"] for f in given["results"]} == {True}


def test_named_feedback_shows_its_author_and_filters_by_circle(api, weekly, bob, alice, make_token):
    checkin = submit(weekly, alice, wins="Draft done")
    feedback_services.feedback_give(checkin=checkin, actor=bob, suggestion="Shorter intro")
    token = make_token(alice, scope="read")
    body = api("get", "me/feedback/received", token).json()
    assert [(f["author"], f["suggestion"], f["checkin_owner_id"]) for f in body["results"]] == [
        ("Bob", "Shorter intro", alice.pk)
    ]
    assert api("get", f"me/feedback/received?circle={weekly.pk + 1000}", token).json()["count"] == 0


# --- Kudos ----------------------------------------------------------------------------------------


def test_kudos_are_given_once_and_counted_without_naming_who(api, tokens, weekly, bob, alice, make_token):
    checkin = submit(weekly, bob, wins="Ran 21 km")
    url = f"circles/{weekly.pk}/kudos"
    gift = {"target_kind": "checkin", "target_id": checkin.pk, "reaction": "clap"}
    alice_writes = make_token(alice)
    first = api("post", url, alice_writes, gift)
    assert first.status_code == 201, first.content
    again = api("post", url, alice_writes, gift)
    assert again.status_code == 200 and again.json()["given"] is True
    clap = {r["reaction"]: r for r in again.json()["reactions"]}["clap"]
    assert (clap["count"], clap["mine"]) == (1, True)
    assert_error(api("post", url, tokens["alice"], gift), 403, "insufficient_scope")
    assert_error(api("post", url, make_token(bob), gift), 403, "forbidden")  # one's own check-in
    missing = {**gift, "target_id": checkin.pk + 999}
    assert_error(api("post", url, alice_writes, missing), 404, "not_found")
    listed = api("get", url, tokens["bob"])
    [target] = listed.json()["results"]
    assert (target["target_kind"], target["target_id"], target["owner"]) == ("checkin", checkin.pk, "Bob")
    clap = {r["reaction"]: r for r in target["reactions"]}["clap"]
    assert (clap["count"], clap["mine"]) == (1, False)
    assert "Alice" not in listed.content.decode()
    assert_error(api("get", url, tokens["dave"]), 404, "not_found")


def test_kudos_on_a_check_in_shared_with_facilitators_only_stay_hidden_from_peers(
    api, weekly, bob, alice, mia, make_token
):
    private = submit(weekly, bob, wins="Only for Alice", visibility="facilitators")
    api(
        "post",
        f"circles/{weekly.pk}/kudos",
        make_token(alice),
        {"target_kind": "checkin", "target_id": private.pk, "reaction": "heart"},
    )
    assert api("get", f"circles/{weekly.pk}/kudos", make_token(alice)).json()["count"] == 1
    assert api("get", f"circles/{weekly.pk}/kudos", make_token(mia)).json()["count"] == 0


# --- Help requests and wins -----------------------------------------------------------------------


def test_help_requests_list_the_offers(api, tokens, weekly, bob, alice):
    checkin = submit(weekly, alice, wins="Draft", help_request="Who can proofread?")
    feedback_services.help_offer(checkin=checkin, actor=bob, message="Send it over")
    as_bob = api("get", f"circles/{weekly.pk}/help-requests", tokens["bob"]).json()
    [row] = as_bob["results"]
    assert (row["text"], row["name"], row["has_offered"], row["is_mine"]) == (
        "Who can proofread?",
        "Alice",
        True,
        False,
    )
    assert [(o["helper"], o["message"]) for o in row["offers"]] == [("Bob", "Send it over")]
    assert api("get", f"circles/{weekly.pk}/help-requests", tokens["alice"]).json()["results"][0]["is_mine"]
    assert_error(api("get", f"circles/{weekly.pk}/help-requests", tokens["dave"]), 404, "not_found")


def test_the_wins_feed_is_paginated(api, tokens, weekly, bob, alice):
    submit(weekly, bob, wins="Ran 21 km")
    submit(weekly, alice, wins="Draft done")
    page = api("get", f"circles/{weekly.pk}/wins?limit=1", tokens["olivia"]).json()
    assert (page["count"], len(page["results"])) == (2, 1)
    win = page["results"][0]
    assert win["kind"] == "checkin" and win["url"].startswith("http")
    assert not win["can_kudos"]  # organizers without a seat read, they do not react
    as_alice = {
        w["name"]: w for w in api("get", f"circles/{weekly.pk}/wins", tokens["alice"]).json()["results"]
    }
    assert as_alice["Bob"]["can_kudos"] and not as_alice["Alice"]["can_kudos"]


def test_a_community_limited_token_reaches_nothing_elsewhere(
    api, weekly, bob, alice, carol, other_community, make_token
):
    community_services.community_member_add(community=other_community, user=bob)
    checkin = submit(weekly, alice, wins="Draft", help_request="Help?")
    feedback_services.feedback_give(checkin=checkin, actor=bob, worked="Nice")
    elsewhere = make_token(bob, community=other_community)
    home = make_token(bob, community=weekly.community)
    for path in ("kudos", "wins", "help-requests", f"checkins/{checkin.pk}/comments"):
        assert_error(api("get", f"circles/{weekly.pk}/{path}", elsewhere), 404, "not_found")
        assert api("get", f"circles/{weekly.pk}/{path}", home).status_code == 200
    assert api("get", "me/feedback/given", elsewhere).json()["count"] == 0
    assert api("get", "me/feedback/given", home).json()["count"] == 1


# --- Notifications --------------------------------------------------------------------------------


def notice(user: Any, key: str, title: str = "Hi") -> Any:
    message, _created = outbox.message_enqueue(
        recipient=user,
        kind="test.notice",
        channel=Channel.INAPP,
        template="emails/notice",
        context={"title": title, "body": "Hello"},
        due_at=timezone.now(),
        dedupe_key=key,
        url="/somewhere/",
    )
    return message


def test_notifications_are_listed_filtered_and_marked_read(api, bob, alice, make_token):
    first, second, third = (notice(bob, f"n{i}", title=f"Note {i}") for i in range(3))
    others = notice(alice, "alice-note")
    outbox.outbox_deliver_batch(now=timezone.now())
    token = make_token(bob)
    body = api("get", "me/notifications?limit=2", token).json()
    assert (body["count"], body["unread_count"], len(body["results"])) == (3, 3, 2)
    assert body["results"][0]["url"].endswith("/somewhere/") and body["results"][0]["title"]
    read = api("post", f"me/notifications/{second.pk}/read", token)
    assert read.status_code == 200 and read.json()["is_read"]
    unread = api("get", "me/notifications?unread=true", token).json()
    assert unread["count"] == 2 and second.pk not in {n["id"] for n in unread["results"]}
    assert_error(api("post", f"me/notifications/{others.pk}/read", token), 404, "not_found")
    assert api("post", "me/notifications/read", token).json() == {"marked": 2}
    assert api("get", "me/notifications?unread=true", token).json()["count"] == 0
    assert {first.pk, third.pk} <= {n["id"] for n in api("get", "me/notifications", token).json()["results"]}


def test_notifications_need_write_scope_to_change_and_an_unlimited_token(api, bob, make_token, community):
    message = notice(bob, "n")
    outbox.outbox_deliver_batch(now=timezone.now())
    reader = make_token(bob, scope="read")
    assert api("get", "me/notifications", reader).status_code == 200
    assert_error(api("post", "me/notifications/read", reader), 403, "insufficient_scope")
    assert_error(api("post", f"me/notifications/{message.pk}/read", reader), 403, "insufficient_scope")
    community_services.community_member_add(community=community, user=bob)
    limited = make_token(bob, community=community)
    assert_error(api("get", "me/notifications", limited), 403, "community_limited_token")


# --- Programs -------------------------------------------------------------------------------------


@pytest.fixture
def program(community, olivia):
    program = program_services.program_create(community=community, actor=olivia, title="Lead with feedback")
    for n, title in enumerate(["Ask", "Give"], start=1):
        module = program_services.module_create(
            program=program,
            actor=olivia,
            title=title,
            action_challenge=f"Try {n}.",
            due_days=7 * n,
            reviews_k=1,
        )
        program_services.criterion_add(module=module, actor=olivia, name="Action", levels=LEVELS)
    program_services.program_set_status(program=program, actor=olivia, status="published")
    return program


@pytest.fixture
def cohort(program, circle, olivia, mia):
    """bob and mia learn; alice (the huddle's facilitator) leads."""
    return program_services.cohort_create(
        program=program, actor=olivia, name="Spring", starts_on=date(2026, 1, 5), huddles=[circle], now=START
    )


def save(cohort: Any, module: Any, user: Any, text: str) -> Any:
    return program_services.submission_save(cohort=cohort, module=module, actor=user, text=text, now=START)


def test_programs_and_drafts(api, tokens, program, community, olivia, circle, other_circle):
    draft = program_services.program_create(community=community, actor=olivia, title="Secret draft")
    url = f"communities/{community.pk}/programs"
    assert [p["title"] for p in api("get", url, tokens["bob"]).json()["results"]] == ["Lead with feedback"]
    assert api("get", url, tokens["olivia"]).json()["count"] == 2
    detail = api("get", f"programs/{program.pk}", tokens["dave"]).json()
    assert [m["title"] for m in detail["modules"]] == ["Ask", "Give"]
    assert detail["modules"][0]["criteria"][0]["levels"][1]["label"] == "Strong"
    assert_error(api("get", f"programs/{draft.pk}", tokens["bob"]), 404, "not_found")
    assert api("get", f"programs/{draft.pk}", tokens["otto"]).status_code == 200


def test_cohorts_and_enrollments_as_each_role(api, tokens, program, cohort, other_circle):
    def roles(who: str) -> list[str]:
        found = api("get", f"programs/{program.pk}/cohorts", tokens[who]).json()["results"]
        return [c["my_role"] for c in found]

    assert (roles("bob"), roles("alice"), roles("olivia"), roles("dave")) == (
        ["learner"],
        ["facilitator"],
        ["manager"],
        [],
    )
    detail = api("get", f"cohorts/{cohort.pk}", tokens["bob"]).json()
    assert [(m["title"], m["state"]) for m in detail["modules"]] == [("Ask", "open"), ("Give", "open")]
    assert detail["my_enrollment"]["state"] == "active"
    assert_error(api("get", f"cohorts/{cohort.pk}", tokens["dave"]), 404, "not_found")
    mine = api("get", "me/enrollments", tokens["bob"]).json()
    assert [(e["cohort"], e["program"], e["state"]) for e in mine["results"]] == [
        ("Spring", "Lead with feedback", "active")
    ]
    assert api("get", "me/enrollments?state=dropped", tokens["bob"]).json()["count"] == 0
    assert api("get", "me/enrollments", tokens["alice"]).json()["count"] == 0


def test_peers_solutions_open_up_once_ones_own_is_in(api, tokens, program, cohort, bob, mia, make_token):
    ask = program.modules.get(position=1)
    mias = save(cohort, ask, mia, "Mia's action")
    url = f"cohorts/{cohort.pk}/submissions"
    assert api("get", url, tokens["bob"]).json()["count"] == 0
    assert_error(api("get", f"{url}/{mias.pk}", tokens["bob"]), 404, "not_found")
    bobs = save(cohort, ask, bob, "Bob's action")
    listed = api("get", url, tokens["bob"]).json()
    assert sorted((s["name"], s["is_mine"]) for s in listed["results"]) == [("Bob", True), ("Mia", False)]
    assert api("get", f"{url}?mine=true", tokens["bob"]).json()["results"][0]["id"] == bobs.pk
    assert api("get", f"{url}/{mias.pk}", tokens["bob"]).json()["text"] == "Mia's action"
    assert api("get", f"{url}?limit=1", tokens["alice"]).json()["count"] == 2  # the lead sees all
    assert_error(api("get", f"{url}/{mias.pk}", tokens["dave"]), 404, "not_found")


def test_submissions_are_paged_in_module_order_highlights_first_without_dropped_learners(
    api, tokens, program, cohort, bob, mia, make_user, weekly, alice, olivia
):
    from peerpact.programs.models import Enrollment, Highlight

    ask, give = program.modules.get(position=1), program.modules.get(position=2)
    noah = make_user("noah@example.com", "Noah")
    seat(weekly, noah, alice)
    program_services.enrollment_add(cohort=cohort, actor=olivia, user=noah, now=START)
    gives = [save(cohort, give, who, f"{who.display_name} gives") for who in (bob, mia)]
    asks = [save(cohort, ask, who, f"{who.display_name} asks") for who in (bob, mia, noah)]
    Highlight.objects.create(submission=asks[1], chosen_by=alice, created_at=START)
    Enrollment.objects.filter(cohort=cohort, user=noah).update(state="dropped")
    url = f"cohorts/{cohort.pk}/submissions"
    # The lead sees every gallery: Ask before Give, Mia's highlighted Ask first, Noah (dropped) left out.
    first = api("get", f"{url}?limit=2", tokens["alice"]).json()
    rest = api("get", f"{url}?limit=2&offset=2", tokens["alice"]).json()
    assert first["count"] == rest["count"] == 4
    assert [s["id"] for s in first["results"] + rest["results"]] == [
        asks[1].pk,
        asks[0].pk,
        *(g.pk for g in gives),
    ]
    # A learner sees a gallery only where their own work is in, and their own elsewhere.
    assert [s["id"] for s in api("get", url, tokens["bob"]).json()["results"]] == [
        asks[1].pk,
        asks[0].pk,
        *(g.pk for g in gives),
    ]


def test_reviews_received_never_name_the_reviewer(api, tokens, program, cohort, bob, mia, make_token):
    ask = program.modules.get(position=1)
    bobs = save(cohort, ask, bob, "Bob's action")
    save(cohort, ask, mia, "Mia's action")
    program_services.reviews_allocate(module=ask, cohort=cohort, now=START)
    task = ReviewAssignment.objects.get(submission=bobs)
    reviewer = task.reviewer
    program_services.review_submit(
        assignment=task,
        actor=reviewer,
        scores={c.pk: 2 for c in ask.criteria.all()},
        feedback="Bold move",
        now=START + timedelta(hours=1),
    )
    response = api("get", f"cohorts/{cohort.pk}/reviews/received", tokens["bob"])
    [entry] = response.json()["results"]
    assert (entry["module"], entry["submission_id"], entry["pending"]) == ("Ask", bobs.pk, 0)
    assert entry["criteria"][0]["median"] == 2 and entry["criteria"][0]["label"] == "Strong"
    assert [r["feedback"] for r in entry["reviews"]] == ["Bold move"]
    text = response.content.decode()
    assert reviewer.name not in text and reviewer.email not in text
    assert not {"reviewer", "reviewer_id", "is_fallback"} & set(entry["reviews"][0])
    as_reviewer = make_token(reviewer, scope="read")
    tasks = api("get", f"cohorts/{cohort.pk}/reviews/assigned", as_reviewer).json()["results"]
    done = [t for t in tasks if t["completed_at"]]
    assert [(t["submission_id"], t["review"]["feedback"]) for t in done] == [(bobs.pk, "Bold move")]
    open_only = api("get", f"cohorts/{cohort.pk}/reviews/assigned?status=open", as_reviewer).json()
    assert all(t["completed_at"] is None and not t["is_locked"] for t in open_only["results"])
    assert api("get", f"cohorts/{cohort.pk}/reviews/received", tokens["alice"]).json()["count"] == 0


def test_a_token_limited_to_another_community_sees_no_program(
    api, program, cohort, bob, other_community, make_token
):
    community_services.community_member_add(community=other_community, user=bob)
    elsewhere = make_token(bob, community=other_community)
    for path in (f"programs/{program.pk}", f"cohorts/{cohort.pk}", f"cohorts/{cohort.pk}/submissions"):
        assert_error(api("get", path, elsewhere), 404, "not_found")
    assert api("get", "me/enrollments", elsewhere).json()["count"] == 0
    assert json.loads(api("get", "me/enrollments", make_token(bob)).content)["count"] == 1
