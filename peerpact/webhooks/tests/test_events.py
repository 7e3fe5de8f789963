"""Events come from the real services: each write queues one delivery per endpoint that wants it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import seat
from peerpact.checkins import services as checkin_services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services
from peerpact.notifications import events
from peerpact.webhooks import services
from peerpact.webhooks.models import Delivery, DeliveryState


@pytest.fixture
def bob_seat(circle, bob):
    return Membership.objects.get(circle=circle, user=bob)


def _submit(seat, bob, wins="Shipped the thing; my private notes"):
    cycle = Cycle.objects.get(circle=seat.circle, index=1)
    return checkin_services.checkin_submit(
        membership=seat, cycle=cycle, actor=bob, answers=CheckinAnswers(wins=wins), expected_version=None
    )


def test_submitting_a_checkin_queues_a_delivery_with_ids_and_no_words(
    weekly, endpoint, bob, bob_seat
) -> None:
    checkin = _submit(bob_seat, bob)
    row = Delivery.objects.get(event_type="checkin.submitted")
    assert row.endpoint == endpoint and row.state == DeliveryState.PENDING
    assert row.next_attempt_at == timezone.now()
    assert row.payload == {
        "checkin": {
            "id": checkin.pk,
            "version": 1,
            "submitted_at": "2026-01-05T09:00:00Z",
            "on_time": True,
            "visibility": "circle",
        },
        "cycle": {"id": checkin.cycle_id, "index": 1, "deadline_at": "2026-01-09T17:00:00Z"},
        "member": {"membership_id": bob_seat.pk, "user_id": bob.pk},
        "circle": {"id": weekly.pk, "slug": weekly.slug, "name": "Weekly Wins"},
    }
    assert "Shipped" not in str(row.payload)


def test_only_endpoints_that_subscribed_and_are_on_hear_of_it(
    weekly, endpoint, olivia, bob, bob_seat, hooks, community, other_community, carol
) -> None:
    goals_only = services.endpoint_create(
        community=community, actor=olivia, url=hooks.url("g"), events=["goal.achieved"]
    )
    switched_off = services.endpoint_create(
        community=community, actor=olivia, url=hooks.url("off"), events=["checkin.submitted"]
    )
    services.endpoint_disable(endpoint=switched_off, actor=olivia, now=timezone.now())
    elsewhere = services.endpoint_create(
        community=other_community, actor=carol, url=hooks.url("x"), events=["checkin.submitted"]
    )
    _submit(bob_seat, bob)
    receivers = set(
        Delivery.objects.filter(event_type="checkin.submitted").values_list("endpoint_id", flat=True)
    )
    assert receivers == {endpoint.pk}
    assert not Delivery.objects.filter(endpoint__in=[goals_only, switched_off, elsewhere]).exists()


def test_a_failing_subscriber_never_breaks_the_checkin(weekly, endpoint, bob, bob_seat) -> None:
    def broken(event):
        raise RuntimeError("boom")

    events.subscribe(broken)
    try:
        checkin = _submit(bob_seat, bob)
    finally:
        events.unsubscribe(broken)
    assert checkin.pk and Delivery.objects.filter(event_type="checkin.submitted").count() == 1


def test_a_checkin_that_is_rolled_back_announces_nothing(weekly, endpoint, bob, bob_seat) -> None:
    from django.db import transaction

    def submit_then_fail() -> None:
        with transaction.atomic():
            _submit(bob_seat, bob)
            raise RuntimeError("the caller's transaction fails later")

    with pytest.raises(RuntimeError):
        submit_then_fail()
    assert not Delivery.objects.filter(event_type="checkin.submitted").exists()


def test_an_achieved_goal_sends_its_title_only_when_the_circle_may_see_it(endpoint, bob, bob_seat) -> None:
    shared = goal_services.goal_create(
        membership=bob_seat, actor=bob, title="Run 100 km", target=Decimal(100)
    )
    private = goal_services.goal_create(
        membership=bob_seat, actor=bob, title="Pay off debt", target=Decimal(5), visibility="private"
    )
    goal_services.goal_update(goal=shared, actor=bob, status="achieved")
    goal_services.goal_update(goal=private, actor=bob, status="achieved")
    goal_services.goal_update(goal=private, actor=bob, title="Renamed")  # no second event
    payloads = {
        d.payload["goal"]["id"]: d.payload["goal"]
        for d in Delivery.objects.filter(event_type="goal.achieved")
    }
    assert payloads[shared.pk]["title"] == "Run 100 km"
    assert payloads[private.pk]["title"] is None and "debt" not in str(payloads[private.pk])
    assert len(payloads) == 2


def test_joining_and_leaving_a_circle_are_events(endpoint, circle, olivia, dave) -> None:
    membership = seat(circle, dave, olivia)
    joined = Delivery.objects.get(event_type="member.joined", payload__member__user_id=dave.pk)
    assert joined.payload["member"]["membership_id"] == membership.pk
    circle_services.membership_leave(circle=circle, user=dave)
    left = Delivery.objects.get(event_type="member.left")
    assert left.payload["member"] == {**left.payload["member"], "user_id": dave.pk, "status": "left"}


def test_a_closed_cycle_is_announced_once_with_counts(weekly, endpoint, bob, bob_seat, clock) -> None:
    _submit(bob_seat, bob)
    cycle = Cycle.objects.get(circle=weekly, index=1)
    assert services.cycles_closed_record(now=cycle.closes_at - timedelta(minutes=1)) is False
    after = cycle.closes_at + timedelta(minutes=5)
    assert services.cycles_closed_record(now=after) is True
    assert services.cycles_closed_record(now=after) is False  # a second pass (or worker) adds nothing
    row = Delivery.objects.get(event_type="cycle.closed")
    assert row.payload["cycle"]["id"] == cycle.pk
    assert row.payload["counts"] == {"members": 2, "checked_in": 1, "on_time": 1, "late": 0}
    assert row.occurred_at == cycle.closes_at
