from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import seat
from peerpact.checkins import services
from peerpact.checkins.models import Checkin, Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services
from peerpact.goals.models import Commitment, CommitmentStatus

pytestmark = pytest.mark.django_db


def u(name, circle, **kwargs):
    return reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **kwargs})


def form(**extra):
    return {"visibility": "circle", "version": "0", **extra}


def test_a_member_checks_in_and_sees_it_on_the_board(client, weekly, bob):
    client.force_login(bob)
    page = client.get(u("checkins:checkin", weekly)).content.decode()
    assert "Check in · cycle 1" in page
    assert "(Europe/Madrid)" not in page  # shown in bob's own zone
    assert "America/New_York" in page or "EST" in page
    response = client.post(
        u("checkins:checkin", weekly),
        form(wins="Shipped the draft", help_request="Review my intro?", n0_text="Run twice"),
    )
    assert response.status_code == 302
    board = client.get(response["Location"]).content.decode()
    assert "Shipped the draft" in board and "Review my intro?" in board and "Run twice" in board
    assert "On time" in board


def test_commitments_are_marked_and_carried_forward(client, weekly, bob):
    bob_in = Membership.objects.get(circle=weekly, user=bob)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    promise = goal_services.commitment_add(membership=bob_in, cycle=cycle1, text="Call the printer")
    client.force_login(bob)
    assert "Call the printer" in client.get(u("checkins:checkin", weekly)).content.decode()
    client.post(
        u("checkins:checkin", weekly),
        form(
            **{
                f"c{promise.pk}_status": "missed",
                f"c{promise.pk}_note": "Closed all week",
                f"c{promise.pk}_carry": "on",
            }
        ),
    )
    promise.refresh_from_db()
    assert promise.status == CommitmentStatus.MISSED
    assert Commitment.objects.filter(carried_from=promise, cycle__index=2).exists()


def test_invalid_input_is_refused_and_everything_typed_is_kept(client, weekly, bob):
    client.force_login(bob)
    response = client.post(
        u("checkins:checkin", weekly),
        form(wins="A long reflection I must not lose", n0_quantity="-3", n0_text="Swim"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "A long reflection I must not lose" in html and 'value="Swim"' in html
    assert not Checkin.objects.filter(submitted_at__isnull=False).exists()


def test_a_second_tab_is_refused_and_both_versions_are_shown(client, weekly, bob):
    client.force_login(bob)
    client.post(u("checkins:checkin", weekly), form(wins="From the phone"))
    response = client.post(u("checkins:checkin", weekly), form(wins="From the laptop"))  # still version 0
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed elsewhere" in html and "From the phone" in html and "From the laptop" in html
    assert Checkin.objects.get().wins == "From the phone"
    # Saving again from the refused tab is a knowing overwrite.
    client.post(u("checkins:checkin", weekly), form(wins="From the laptop", version="1"))
    assert Checkin.objects.get().wins == "From the laptop"


def test_drafts_are_saved_as_you_type_and_restored(client, weekly, bob):
    client.force_login(bob)
    saved = client.post(
        u("checkins:checkin-draft", weekly, index=1),
        {"wins": "half a thought"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "Draft saved" in saved.content.decode()
    page = client.get(u("checkins:checkin", weekly)).content.decode()
    assert "half a thought" in page and "restored the draft" in page
    assert not Checkin.objects.filter(submitted_at__isnull=False).exists()


def test_facilitator_only_updates_are_hidden_from_peers(client, weekly, alice, bob, make_user):
    client.force_login(bob)
    client.post(u("checkins:checkin", weekly), form(wins="Private struggle", visibility="facilitators"))
    peer = make_user("pat@example.com")
    seat(weekly, peer, alice)
    client.force_login(peer)
    assert "Private struggle" not in client.get(u("checkins:board", weekly)).content.decode()
    checkin = Checkin.objects.get()
    assert client.get(u("checkins:checkin-detail", weekly, checkin_id=checkin.pk)).status_code == 404
    client.force_login(alice)
    assert "Private struggle" in client.get(u("checkins:board", weekly)).content.decode()


def test_only_members_check_in(client, weekly, olivia, dave, other_circle):
    client.force_login(olivia)  # organizer: sees the board, does not check in
    assert client.get(u("checkins:board", weekly)).status_code == 200
    assert client.get(u("checkins:checkin", weekly)).status_code == 403
    client.force_login(dave)
    assert client.get(u("checkins:checkin", weekly)).status_code == 404
    assert client.get(u("checkins:board", weekly)).status_code == 404


def test_a_closed_cycle_cannot_be_changed(client, weekly, bob, clock):
    clock.move_to(datetime(2026, 1, 17, 12, 0, tzinfo=UTC))  # cycle 1 closed at the cycle 2 deadline
    client.force_login(bob)
    page = client.get(u("checkins:checkin-cycle", weekly, index=1)).content.decode()
    assert "can no longer be changed" in page
    response = client.post(u("checkins:checkin-cycle", weekly, index=1), form(wins="too late"))
    assert response.status_code == 400
    assert not Checkin.objects.exists()


def test_the_checkin_link_picks_the_late_cycle_first(client, weekly, bob, clock):
    clock.move_to(datetime(2026, 1, 10, 8, 0, tzinfo=UTC))  # cycle 1 is in grace, cycle 2 open
    client.force_login(bob)
    assert "Check in · cycle 1" in client.get(u("checkins:checkin", weekly)).content.decode()


def test_board_browses_past_cycles_and_rejects_future_ones(client, weekly, bob, clock):
    clock.move_to(datetime(2026, 1, 20, 12, 0, tzinfo=UTC))
    client.force_login(bob)
    assert "Cycle 1" in client.get(u("checkins:board", weekly) + "?cycle=1").content.decode()
    assert client.get(u("checkins:board", weekly) + "?cycle=9").status_code == 404
    assert client.get(u("checkins:board", weekly) + "?cycle=abc").status_code == 404


def _board_queries(client, circle):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(u("checkins:board", circle)).status_code == 200
    return len(captured.captured_queries)


def test_board_query_count_does_not_grow_with_members(client, weekly, alice, make_user):
    cycle = Cycle.objects.get(circle=weekly, index=1)
    client.force_login(alice)
    small = _board_queries(client, weekly)
    for i in range(6):
        person = make_user(f"extra{i}@example.com")
        membership = seat(weekly, person, alice)
        services.checkin_submit(
            membership=membership,
            cycle=cycle,
            actor=person,
            answers=CheckinAnswers(wins="hi"),
            expected_version=None,
        )
        goal_services.commitment_add(membership=membership, cycle=cycle, text="Do a thing")
    assert _board_queries(client, weekly) == small


def test_home_shows_what_is_due_in_my_zone_with_time_left(client, weekly, bob):
    client.force_login(bob)
    html = client.get("/").content.decode()
    assert "Due now" in html and "Weekly Wins" in html and "left" in html


def test_home_query_count_does_not_grow_with_circles(client, weekly, bob, olivia, alice, clock):
    from peerpact.checkins.services import RhythmSpec
    from peerpact.circles import services as circle_services

    client.force_login(bob)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    for i in range(3):
        extra = circle_services.circle_create(community=weekly.community, creator=olivia, name=f"Extra {i}")
        seat(extra, bob, olivia)
        services.rhythm_set(circle=extra, actor=olivia, spec=RhythmSpec(weekdays=["TU"]))
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(large.captured_queries) == len(small.captured_queries)
