"""Circle health: the label follows from the signals, the reasons are shown, the cost is fixed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import seat
from peerpact.checkins import services as checkin_services
from peerpact.engagement import health
from peerpact.engagement.health import CONCERN, GOOD, UNKNOWN, WATCH, Signal, label_for
from peerpact.engagement.services import reengagement_advance

from .conftest import check_in, grace_end

pytestmark = pytest.mark.django_db


def signal(status: str) -> Signal:
    return Signal("x", "x", "1", status, "because")


@pytest.mark.parametrize(
    ("statuses", "label"),
    [
        ([GOOD, GOOD, UNKNOWN], "thriving"),
        ([GOOD, WATCH, UNKNOWN], "steady"),
        ([GOOD, WATCH, CONCERN], "needs_attention"),
    ],
)
def test_the_label_follows_the_worst_signal(statuses, label):
    assert label_for([signal(s) for s in statuses], has_history=True) == label


def test_without_a_finished_cycle_it_is_too_early(weekly):
    assert label_for([signal(GOOD)], has_history=False) == "too_early"
    assert health.circle_health(circle=weekly, now=grace_end(1) - timedelta(days=2)).label == "too_early"


def test_a_drifting_member_makes_the_circle_need_attention_and_says_why(weekly, alice, bob, clock):
    for k in (1, 2, 3, 4):
        check_in(weekly, alice, k)
    for k in (1, 2, 3):
        clock.move_to(grace_end(k) + timedelta(minutes=1))
        checkin_services.cycles_ensure(circle=weekly, now=grace_end(k))
        reengagement_advance(now=grace_end(k) + timedelta(minutes=1))
    found = health.circle_health(circle=weekly, now=grace_end(3) + timedelta(minutes=2))
    signals = {s.key: s for s in found.signals}
    assert found.label == "needs_attention"
    assert signals["rate"].status == CONCERN and signals["rate"].value == "50%"  # 3 of 6
    assert signals["cases"].status == CONCERN and "step 2 or 3" in str(signals["cases"].reason)
    assert {s.key for s in found.reasons} == {"rate", "cases"}
    bob_row = next(m for m in found.members if m.membership.user == bob)
    assert bob_row.case is not None and bob_row.missed == 3 and bob_row.rate == 0


def test_a_circle_where_everyone_checks_in_is_not_flagged(weekly, alice, bob, clock):
    for k in (1, 2):
        check_in(weekly, alice, k)
        check_in(weekly, bob, k)
    found = health.circle_health(circle=weekly, now=grace_end(2) + timedelta(minutes=1))
    statuses = {s.key: s.status for s in found.signals}
    assert statuses["rate"] == GOOD and statuses["cases"] == GOOD
    assert found.label in ("thriving", "steady")  # feedback figures may ask to watch


def url(circle) -> str:
    return reverse("engagement:health", kwargs={"community": circle.community.slug, "circle": circle.slug})


def test_members_are_refused_with_a_reason_and_managers_see_the_reasons(
    client, weekly, alice, bob, olivia, clock
):
    client.force_login(bob)
    refused = client.get(url(weekly))
    assert refused.status_code == 403 and "facilitators" in refused.content.decode()
    for person in (alice, olivia):
        client.force_login(person)
        html = client.get(url(weekly)).content.decode()
        assert (
            "Check-in rate, last 4 cycles" in html and "80% or more is good" in html
        ) or "No finished cycle" in html


def test_the_community_overview_is_for_organizers(client, weekly, alice, olivia, clock):
    overview = reverse("circle-health:overview", kwargs={"slug": weekly.community.slug})
    client.force_login(alice)
    assert client.get(overview).status_code == 403
    client.force_login(olivia)
    html = client.get(overview).content.decode()
    assert "Weekly Wins" in html


def test_query_count_does_not_grow_with_members_or_cycles(
    client, weekly, alice, bob, olivia, make_user, clock
):
    def queries(now) -> int:
        clock.move_to(now)
        checkin_services.cycles_ensure(circle=weekly, now=now)
        client.force_login(olivia)
        client.get(url(weekly))  # warm caches (sessions, content types)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(weekly)).status_code == 200
        return len(captured.captured_queries)

    small = queries(grace_end(2) + timedelta(minutes=1))
    for n in range(6):
        seat(weekly, make_user(f"extra{n}@example.com", f"Extra {n}"), alice)
    for k in range(2, 9):
        check_in(weekly, bob, k)
    large = queries(grace_end(12) + timedelta(minutes=1))
    assert large <= small
