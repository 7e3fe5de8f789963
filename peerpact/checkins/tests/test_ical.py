from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar, Event

from conftest import seat
from peerpact.checkins import services
from peerpact.checkins.models import CalendarFeed
from peerpact.checkins.services import RhythmSpec
from peerpact.circles import services as circle_services

pytestmark = pytest.mark.django_db

WINDOW_START = datetime(2025, 12, 31, tzinfo=UTC)
WINDOW_END = WINDOW_START + timedelta(days=400)  # more than a year: both DST changes, month ends


def _get(client, feed: CalendarFeed, **headers):
    return client.get(reverse("feeds:ical", kwargs={"token": feed.token}), headers=headers)


def _calendar(client, feed: CalendarFeed) -> Calendar:
    response = _get(client, feed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _event(calendar: Calendar, uid: str) -> Event:
    found = [event for event in calendar.events if str(event["UID"]) == uid]
    assert len(found) == 1, [str(e["UID"]) for e in calendar.events]
    return found[0]


def _exdates(event: Event) -> set[datetime]:
    value = event.get("EXDATE")
    if value is None:
        return set()
    lists = value if isinstance(value, list) else [value]
    return {item.dt.astimezone(UTC) for dates in lists for item in dates.dts}


def _expand(event, start, end):
    """The event's occurrences in (start, end] as UTC instants, expanded by dateutil, not by us."""
    dtstart = event.start
    assert dtstart.tzinfo is not None
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=dtstart)
    skipped = _exdates(event)
    return [
        instant
        for instant in (o.astimezone(UTC) for o in rule.between(start, end, inc=True))
        if start < instant <= end and instant not in skipped
    ]


def _set_rhythm(circle, actor, zone: str, spec: RhythmSpec):
    circle_services.circle_update(circle=circle, actor=actor, timezone=zone)
    circle.refresh_from_db()
    return services.rhythm_set(circle=circle, actor=actor, spec=spec)


def _custom(rule: str, at: time) -> RhythmSpec:
    return RhythmSpec(preset="custom", custom_rule=rule, deadline_time=at, starts_on=date(2026, 1, 1))


SCHEDULES = {
    "madrid-friday-evening": ("Europe/Madrid", RhythmSpec(weekdays=["FR"], starts_on=date(2026, 1, 1))),
    # 02:30 does not exist on 29 March and happens twice on 25 October.
    "madrid-in-the-dst-hours": ("Europe/Madrid", _custom("FREQ=WEEKLY;BYDAY=SU", time(2, 30))),
    "madrid-last-friday-of-month": ("Europe/Madrid", _custom("FREQ=MONTHLY;BYDAY=-1FR", time(18, 0))),
    "madrid-until-a-date": (
        "Europe/Madrid",
        _custom("FREQ=WEEKLY;BYDAY=TU;UNTIL=20261020T190000", time(19, 0)),
    ),
    "new-york-spring-gap": ("America/New_York", _custom("FREQ=WEEKLY;BYDAY=SU", time(2, 30))),
    "new-york-repeated-hour": ("America/New_York", _custom("FREQ=WEEKLY;BYDAY=SU", time(1, 30))),
    # UTC+13:45 / +12:45: 03:00 is repeated on 5 April and skipped on 27 September.
    "chatham-far-off": ("Pacific/Chatham", _custom("FREQ=WEEKLY;BYDAY=SU", time(3, 0))),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_feed_deadlines_are_exactly_the_schedule_across_dst(client, circle, alice, name):
    zone, spec = SCHEDULES[name]
    rhythm = _set_rhythm(circle, alice, zone, spec)
    feed = services.calendar_feed_get(user=alice, circle=circle)

    calendar = _calendar(client, feed)
    event = _event(calendar, f"deadline-{circle.pk}@testserver")

    assert event["DTSTART"].params["TZID"] == zone
    assert zone in {tz.tz_name for tz in calendar.timezones}  # a VTIMEZONE for the circle's zone
    expected = rhythm.deadlines().between(WINDOW_START, WINDOW_END)
    assert len(expected) > 9
    assert _expand(event, WINDOW_START, WINDOW_END) == expected


def test_a_local_time_in_the_dst_gap_moves_forward_in_both(client, circle, alice):
    _set_rhythm(circle, alice, "Europe/Madrid", _custom("FREQ=WEEKLY;BYDAY=SU", time(2, 30)))
    feed = services.calendar_feed_get(user=alice, circle=circle)
    event = _event(_calendar(client, feed), f"deadline-{circle.pk}@testserver")
    instants = _expand(event, WINDOW_START, WINDOW_END)
    assert datetime(2026, 3, 29, 1, 30, tzinfo=UTC) in instants  # 02:30 does not exist: 03:30 CEST
    assert datetime(2026, 10, 25, 0, 30, tzinfo=UTC) in instants  # 02:30 twice: the first one, CEST


def test_the_deadline_event_says_what_is_due_and_links_to_the_checkin(client, weekly, bob):
    feed = services.calendar_feed_get(user=bob, circle=weekly)
    response = _get(client, feed)
    calendar = Calendar.from_ical(response.content)
    event = _event(calendar, f"deadline-{weekly.pk}@testserver")

    assert str(event["SUMMARY"]) == "Update due: Weekly Wins"
    assert str(event["URL"]) == f"http://testserver/c/{weekly.community.slug}/circles/{weekly.slug}/checkin/"
    assert event.duration == timedelta(minutes=15)
    assert event.start == datetime(2026, 1, 2, 18, 0, tzinfo=ZoneInfo("Europe/Madrid"))
    assert str(calendar["X-WR-CALNAME"]) == "PeerPact: Weekly Wins"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=6)
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT6H"
    assert "private" in response["Cache-Control"] and "max-age=900" in response["Cache-Control"]


def test_the_feed_is_the_same_on_every_fetch_and_answers_not_modified(client, weekly, bob, clock):
    feed = services.calendar_feed_get(user=bob, circle=weekly)
    first = _get(client, feed)
    clock.shift(timedelta(hours=3))
    second = _get(client, feed)
    assert first.content == second.content
    assert _get(client, feed, if_none_match=first["ETag"]).status_code == 304


def test_deadlines_on_blackout_dates_are_excluded(client, weekly, alice, bob):
    services.blackout_add(circle=weekly, actor=alice, starts_on=date(2026, 1, 16), ends_on=date(2026, 1, 18))
    feed = services.calendar_feed_get(user=bob, circle=weekly)
    event = _event(_calendar(client, feed), f"deadline-{weekly.pk}@testserver")

    holiday = datetime(2026, 1, 16, 17, 0, tzinfo=UTC)  # Friday 18:00 in Madrid
    assert _exdates(event) == {holiday}
    expected = [d for d in weekly.rhythm.deadlines().between(WINDOW_START, WINDOW_END) if d != holiday]
    assert _expand(event, WINDOW_START, WINDOW_END) == expected


def test_review_sessions_are_a_recurring_event_with_their_place(client, weekly, bob):
    feed = services.calendar_feed_get(user=bob, circle=weekly)
    event = _event(_calendar(client, feed), f"review-{weekly.pk}@testserver")

    assert str(event["LOCATION"]) == "https://meet.example/wins"
    assert str(event["URL"]) == "https://meet.example/wins"
    assert str(event["SUMMARY"]) == "Review session: Weekly Wins"
    assert "https://meet.example/wins" in str(event["DESCRIPTION"])
    assert event.duration == timedelta(minutes=45)
    assert event["DTSTART"].params["TZID"] == "Europe/Madrid"
    expected = weekly.rhythm.reviews().between(WINDOW_START, WINDOW_END)
    assert _expand(event, WINDOW_START, WINDOW_END) == expected


def test_a_circle_without_reviews_has_only_the_deadline_event(client, circle, alice):
    _set_rhythm(circle, alice, "Europe/Madrid", RhythmSpec(weekdays=["FR"]))
    feed = services.calendar_feed_get(user=alice, circle=circle)
    assert [str(e["UID"]) for e in _calendar(client, feed).events] == [f"deadline-{circle.pk}@testserver"]


def _second_circle(community, olivia, bob, zone="America/New_York", name="Job Search"):
    created = circle_services.circle_create(community=community, creator=olivia, name=name, facilitate=False)
    seat(created, bob, olivia)
    _set_rhythm(created, olivia, zone, RhythmSpec(weekdays=["MO"], deadline_time=time(9, 0)))
    return created


def test_the_personal_feed_has_every_circle_with_a_schedule(client, weekly, community, olivia, bob):
    other = _second_circle(community, olivia, bob)
    circle_services.circle_create(community=community, creator=olivia, name="No rhythm yet")
    feed = services.calendar_feed_get(user=bob)

    calendar = _calendar(client, feed)
    deadlines = [e for e in calendar.events if str(e["UID"]).startswith("deadline-")]
    assert {str(e["SUMMARY"]) for e in deadlines} == {"Update due: Weekly Wins", "Update due: Job Search"}
    assert {e["DTSTART"].params["TZID"] for e in deadlines} == {"Europe/Madrid", "America/New_York"}
    assert {tz.tz_name for tz in calendar.timezones} == {"Europe/Madrid", "America/New_York"}
    assert str(calendar["X-WR-CALNAME"]) == "PeerPact: my circles"
    new_york = _event(calendar, f"deadline-{other.pk}@testserver")
    assert _expand(new_york, WINDOW_START, WINDOW_END) == other.rhythm.deadlines().between(
        WINDOW_START, WINDOW_END
    )


def test_feed_queries_do_not_grow_with_circles(client, weekly, community, olivia, bob):
    feed = services.calendar_feed_get(user=bob)
    with CaptureQueriesContext(connection) as one:
        assert _get(client, feed).status_code == 200
    _second_circle(community, olivia, bob, name="Second")
    _second_circle(community, olivia, bob, zone="Pacific/Chatham", name="Third")
    services.blackout_add(circle=weekly, actor=olivia, starts_on=date(2026, 2, 6), ends_on=date(2026, 2, 6))
    with CaptureQueriesContext(connection) as three:
        calendar = _calendar(client, feed)
    assert len([e for e in calendar.events if str(e["UID"]).startswith("deadline-")]) == 3
    assert len(three) == len(one)


def test_the_circle_feed_query_count_is_fixed(client, weekly, bob, django_assert_max_num_queries):
    feed = services.calendar_feed_get(user=bob, circle=weekly)
    with django_assert_max_num_queries(6):
        assert _get(client, feed).status_code == 200


def test_an_unknown_token_is_not_found(client, weekly):
    assert client.get(reverse("feeds:ical", kwargs={"token": "nope"})).status_code == 404


def test_a_regenerated_address_makes_the_old_one_stop_working(client, weekly, bob):
    feed = services.calendar_feed_get(user=bob, circle=weekly)
    old = feed.token
    client.force_login(bob)
    page = reverse("checkins:calendar", kwargs={"community": weekly.community.slug, "circle": weekly.slug})
    response = client.post(page, {"action": "regenerate"})
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.token != old
    client.logout()
    assert client.get(reverse("feeds:ical", kwargs={"token": old})).status_code == 404
    assert _get(client, feed).status_code == 200


def test_the_personal_address_can_be_regenerated_too(client, weekly, bob):
    feed = services.calendar_feed_get(user=bob)
    old = feed.token
    client.force_login(bob)
    assert client.post(reverse("feeds:settings"), {"action": "regenerate"}).status_code == 302
    client.logout()
    assert client.get(reverse("feeds:ical", kwargs={"token": old})).status_code == 404


def test_a_member_who_left_loses_the_circle_feed_and_the_circle_in_the_personal_one(client, weekly, bob):
    circle_feed = services.calendar_feed_get(user=bob, circle=weekly)
    personal = services.calendar_feed_get(user=bob)
    circle_services.membership_leave(circle=weekly, user=bob)

    assert _get(client, circle_feed).status_code == 404
    assert list(_calendar(client, personal).events) == []


def test_the_settings_page_shows_the_secret_address_privately(client, weekly, bob):
    client.force_login(bob)
    page = reverse("checkins:calendar", kwargs={"community": weekly.community.slug, "circle": weekly.slug})
    response = client.get(page)
    feed = CalendarFeed.objects.get(user=bob, circle=weekly)
    body = response.content.decode()
    assert response.status_code == 200
    assert f"http://testserver/calendar/{feed.token}.ics" in body
    assert f"webcal://testserver/calendar/{feed.token}.ics" in body
    assert "no-store" in response["Cache-Control"]
    assert "style=" not in body


def test_the_personal_settings_page_lists_the_circles(client, weekly, bob):
    client.force_login(bob)
    response = client.get(reverse("feeds:settings"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Weekly Wins" in body
    assert CalendarFeed.objects.get(user=bob, circle=None).token in body


def test_outsiders_get_no_calendar_page(client, weekly, dave, other_circle):
    client.force_login(dave)
    page = reverse("checkins:calendar", kwargs={"community": weekly.community.slug, "circle": weekly.slug})
    assert client.get(page).status_code == 404
    assert not CalendarFeed.objects.filter(user=dave).exists()
