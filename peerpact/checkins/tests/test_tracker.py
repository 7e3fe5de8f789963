from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import seat
from peerpact.checkins import services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, CommitmentReview
from peerpact.circles.models import Membership
from peerpact.goals import services as goal_services
from peerpact.lib.csv import neutralize

pytestmark = pytest.mark.django_db

# Fridays 18:00 in Madrid: the deadlines of cycles 1-4.
DEADLINES = [datetime(2026, 1, 9, 17, 0, tzinfo=UTC) + timedelta(days=7 * k) for k in range(4)]
NOW = datetime(2026, 1, 26, 12, 0, tzinfo=UTC)  # Monday: cycles 1-3 are over, cycle 4 is due Friday


def _membership(circle, user):
    return Membership.objects.get(circle=circle, user=user)


def _submit(membership, index, user, **answers):
    cycle = Cycle.objects.get(circle=membership.circle, index=index)
    return services.checkin_submit(
        membership=membership,
        cycle=cycle,
        actor=user,
        answers=CheckinAnswers(**answers),
        expected_version=None,
    )


@pytest.fixture
def history(weekly, alice, bob, clock):
    """Bob: on time three times, one of two commitments done in cycle 1. Alice: late, then missed twice
    (her late update is for facilitators only)."""
    bob_in, alice_in = _membership(weekly, bob), _membership(weekly, alice)
    cycle1 = Cycle.objects.get(circle=weekly, index=1)
    run = goal_services.commitment_add(membership=bob_in, cycle=cycle1, text="Run twice")
    goal_services.commitment_add(membership=bob_in, cycle=cycle1, text="Read a chapter")
    clock.move_to(DEADLINES[0] - timedelta(hours=1))
    _submit(bob_in, 1, bob, wins="Ran twice", reviews=[CommitmentReview(run.pk, "done")])
    clock.move_to(DEADLINES[0] + timedelta(hours=2))
    _submit(alice_in, 1, alice, wins="Alice's private win", visibility="facilitators")
    for k in (1, 2):
        clock.move_to(DEADLINES[k] - timedelta(hours=1))
        services.cycles_ensure(circle=weekly, now=DEADLINES[k] - timedelta(hours=1))
        _submit(bob_in, k + 1, bob, wins=f"Week {k + 1}")
    clock.move_to(NOW)
    services.cycles_ensure(circle=weekly, now=NOW)
    return weekly


def _url(name, circle, query="", **kwargs):
    path = reverse(name, kwargs={"community": circle.community.slug, "circle": circle.slug, **kwargs})
    return f"{path}?{query}" if query else path


def _row(body: str, name: str) -> str:
    """The HTML of the table row whose header cell names the member."""
    match = re.search(
        r"<tr>\s*<th scope=\"row\"><a [^>]*>" + re.escape(name) + r"</a></th>(.*?)</tr>", body, re.S
    )
    assert match, f"no row for {name}"
    return match.group(1)


def test_the_tracker_shows_states_as_icons_and_words_with_commitments_and_streaks(client, history, alice):
    client.force_login(alice)
    response = client.get(_url("checkins:tracker", history))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<caption" in body and 'scope="col"' in body and 'class="table-wrap"' in body
    assert "style=" not in body and "<script>" not in body

    bob_row = _row(body, "Bob")
    assert bob_row.count("On time") == 3 and bob_row.count("✓") == 3
    assert "Due" in bob_row and "…" in bob_row  # cycle 4 is still open
    assert "1/2 done" in bob_row
    assert re.findall(r"<td>(\d+)</td>", bob_row) == ["3", "3"]  # current and longest streak

    alice_row = _row(body, "Alice")
    assert "◐" in alice_row and "Late" in alice_row
    assert alice_row.count("Missed") == 2 and alice_row.count("✗") == 2
    assert re.findall(r"<td>(\d+)</td>", alice_row) == ["0", "0"]


def test_column_headers_show_deadlines_in_the_viewers_time_zone(client, history, alice, bob):
    client.force_login(alice)  # Europe/Madrid
    body = client.get(_url("checkins:tracker", history)).content.decode()
    assert '<time datetime="2026-01-09T18:00:00+01:00">Fri 9 Jan</time>' in body

    bob.timezone = "Pacific/Auckland"  # UTC+13 in January: already Saturday morning
    bob.save(update_fields=["timezone"])
    client.force_login(bob)
    body = client.get(_url("checkins:tracker", history)).content.decode()
    assert '<time datetime="2026-01-10T06:00:00+13:00">Sat 10 Jan</time>' in body


def test_filters_by_member_state_and_cycle_range(client, history, alice, bob):
    client.force_login(alice)
    bob_in = _membership(history, bob)
    alice_history = reverse(
        "checkins:member-history",
        kwargs={
            "community": history.community.slug,
            "circle": history.slug,
            "membership_id": _membership(history, alice).pk,
        },
    )

    body = client.get(_url("checkins:tracker", history, f"member={bob_in.pk}")).content.decode()
    assert _row(body, "Bob").count("On time") == 3
    assert alice_history not in body

    body = client.get(_url("checkins:tracker", history, "state=missed")).content.decode()
    _row(body, "Alice")
    assert ">Bob</a></th>" not in body

    body = client.get(_url("checkins:tracker", history, "from=2&to=3")).content.decode()
    headers = re.findall(r"<th scope=\"col\">Cycle (\d+)<br>", body)
    assert headers == ["2", "3"]
    assert _row(body, "Bob").count("On time") == 2


def test_the_tracker_shows_the_last_twelve_cycles_by_default(client, weekly, alice, clock):
    later = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
    clock.move_to(later)
    services.cycles_ensure(circle=weekly, now=later)
    client.force_login(alice)
    body = client.get(_url("checkins:tracker", weekly)).content.decode()
    headers = [int(n) for n in re.findall(r"<th scope=\"col\">Cycle (\d+)<br>", body)]
    assert headers == list(range(5, 17))  # 16 have started: the deadline of 16 is Friday 24 April


def test_bad_filters_are_explained_and_the_default_view_is_shown(client, history, alice):
    client.force_login(alice)
    response = client.get(_url("checkins:tracker", history, "from=3&to=2&state=sleepy"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "The last cycle cannot come before the first." in body
    assert re.findall(r"<th scope=\"col\">Cycle (\d+)<br>", body) == ["1", "2", "3", "4"]


def test_outsiders_cannot_see_the_tracker(client, history, dave, other_circle):
    client.force_login(dave)
    assert client.get(_url("checkins:tracker", history)).status_code == 404
    assert client.get(_url("checkins:tracker-csv", history)).status_code == 404


def test_member_history_shows_the_updates_the_viewer_may_read(client, history, alice, bob):
    client.force_login(bob)
    alice_in, bob_in = _membership(history, alice), _membership(history, bob)

    own = client.get(_url("checkins:member-history", history, membership_id=bob_in.pk)).content.decode()
    assert "Your history" in own and "Ran twice" in own and "Week 3" in own

    hers = client.get(_url("checkins:member-history", history, membership_id=alice_in.pk)).content.decode()
    assert "Alice's private win" not in hers
    assert "Shared with facilitators only." in hers
    assert hers.count("Missed") >= 2

    client.force_login(alice)
    hers = client.get(_url("checkins:member-history", history, membership_id=alice_in.pk)).content.decode()
    assert "Alice&#x27;s private win" in hers


def test_member_history_of_someone_in_another_circle_is_not_found(client, history, alice, dave, other_circle):
    client.force_login(alice)
    dave_in = _membership(other_circle, dave)
    assert client.get(_url("checkins:member-history", history, membership_id=dave_in.pk)).status_code == 404
    assert client.get(_url("checkins:member-history", history, membership_id=99999)).status_code == 404


def _csv(response):
    assert isinstance(response, StreamingHttpResponse)
    raw = b"".join(response.streaming_content)
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_csv_has_a_bom_a_header_and_a_row_per_member_and_cycle(client, history, bob):
    client.force_login(bob)
    response = client.get(_url("checkins:tracker-csv", history))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="weekly-wins-tracker-2026-01-26.csv"'
    header, *rows = _csv(response)
    assert header == [
        "Circle", "Member", "Email", "Cycle", "Cycle opens", "Deadline", "State", "Submitted (UTC)",
        "Commitments done", "Commitments total", "Streak after this cycle",
    ]  # fmt: skip
    assert [(r[1], r[3]) for r in rows] == [(name, str(i)) for name in ("Alice", "Bob") for i in range(1, 5)]
    bob_first = rows[4]
    assert bob_first == [
        "Weekly Wins", "Bob", "", "1", "2026-01-05T10:00:00+01:00", "2026-01-09T18:00:00+01:00", "on_time",
        "2026-01-09T16:00:00Z", "1", "2", "1",
    ]  # fmt: skip
    assert [r[6] for r in rows[:4]] == ["late", "missed", "missed", "pending"]
    assert [r[10] for r in rows[4:]] == ["1", "2", "3", "3"]
    assert all(r[2] == "" for r in rows)  # a plain member sees no email addresses


def test_facilitators_get_email_addresses_in_the_csv(client, history, alice):
    client.force_login(alice)
    _header, *rows = _csv(client.get(_url("checkins:tracker-csv", history)))
    assert {r[2] for r in rows} == {"alice@example.com", "bob@example.com"}


def test_the_csv_follows_the_filters(client, history, alice, bob):
    client.force_login(alice)
    bob_in = _membership(history, bob)
    _header, *rows = _csv(client.get(_url("checkins:tracker-csv", history, f"member={bob_in.pk}&from=2")))
    assert [(r[1], r[3]) for r in rows] == [("Bob", "2"), ("Bob", "3"), ("Bob", "4")]
    assert [r[10] for r in rows] == ["2", "3", "3"]  # streaks still count cycle 1
    _header, *rows = _csv(client.get(_url("checkins:tracker-csv", history, "state=missed")))
    assert [(r[1], r[3]) for r in rows] == [("Alice", "2"), ("Alice", "3")]


def test_the_csv_guards_against_formula_injection(client, history, alice, make_user):
    mallory = make_user("mallory@example.com", '=HYPERLINK("http://evil.example","Click")')
    seat(history, mallory, alice)
    client.force_login(alice)
    _header, *rows = _csv(client.get(_url("checkins:tracker-csv", history)))
    names = {r[1] for r in rows}
    assert '\'=HYPERLINK("http://evil.example","Click")' in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_cells_that_spreadsheets_would_run_get_an_apostrophe(value):
    assert neutralize(value) == "'" + value


def test_plain_cells_are_left_alone():
    assert [neutralize(v) for v in ("Bob", "2026-01-09T18:00:00+01:00", 3, None)] == [
        "Bob",
        "2026-01-09T18:00:00+01:00",
        3,
        "",
    ]


def _count_queries(client, url) -> int:
    client.get(url)  # warm up: sessions, cycles opened on the way
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_tracker_queries_do_not_grow_with_members_or_cycles(client, history, alice, make_user, clock):
    client.force_login(alice)
    url = _url("checkins:tracker", history)
    history_url = _url("checkins:member-history", history, membership_id=_membership(history, alice).pk)
    csv_url = _url("checkins:tracker-csv", history)
    before = (
        _count_queries(client, url),
        _count_queries(client, history_url),
        _count_queries(client, csv_url),
    )

    for n in range(4):
        seat(history, make_user(f"member{n}@example.com", f"Member {n}"), alice)
    later = NOW + timedelta(weeks=10)
    clock.move_to(later)
    services.cycles_ensure(circle=history, now=later)
    assert Cycle.objects.filter(circle=history).count() > 12
    client.force_login(alice)  # the session of ten weeks ago has expired

    after = (
        _count_queries(client, url),
        _count_queries(client, history_url),
        _count_queries(client, csv_url),
    )
    assert after == before
