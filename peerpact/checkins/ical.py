"""iCalendar (RFC 5545) feeds: each circle's update deadlines and review sessions as recurring events.

A feed never lists single cycles. It publishes the rhythm itself, one recurring VEVENT per kind, with
its start in the circle's zone (DTSTART;TZID=…), so calendar apps keep "Friday 18:00 in Madrid" right
across DST changes exactly as `schedule.Rule` does: both read a local time that falls in a DST gap
with the offset before the gap, and a repeated one as its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vDuration, vRecur

from peerpact.checkins import access, schedule
from peerpact.checkins.models import Blackout, CalendarFeed, Rhythm
from peerpact.circles.models import SEATED, Circle, CircleStatus, Membership

PRODID = "-//PeerPact//Circle calendar//EN"
# How often calendar apps should fetch the feed again (most use their own, longer interval anyway).
REFRESH = timedelta(hours=6)
# A deadline is a moment, but many apps hide zero-length events; a short block stays visible.
DEADLINE_LENGTH = timedelta(minutes=15)
# VTIMEZONE rules are written out until then; apps that know the TZID use their own rules beyond.
TIMEZONE_YEARS_AHEAD = 6


@dataclass(frozen=True)
class Source:
    """One circle as a feed shows it."""

    circle: Circle
    rhythm: Rhythm
    blackouts: list[Blackout]


def feed_sources(feed: CalendarFeed) -> list[Source] | None:
    """The circles a feed shows; None when the feed must not answer (its owner left the circle).

    Three queries whatever the number of circles: the feed (by the caller), memberships, blackouts.
    """
    user = feed.user
    if not user.is_active:
        return None
    if feed.circle is not None:
        circle = feed.circle
        if not access.can_view_board(user, circle):
            return None
        circles = [circle] if _has_rhythm(circle) and circle.status != CircleStatus.ARCHIVED else []
    else:
        circles = [
            m.circle
            for m in Membership.objects.filter(user=user, status__in=SEATED, circle__rhythm__isnull=False)
            .exclude(circle__status=CircleStatus.ARCHIVED)
            .select_related("circle__community", "circle__rhythm")
            .order_by("circle__name", "circle__pk")
        ]
    blackouts: dict[int, list[Blackout]] = {c.pk: [] for c in circles}
    if circles:
        for blackout in Blackout.objects.filter(circle__in=circles):
            blackouts[blackout.circle_id].append(blackout)
    return [Source(circle=c, rhythm=c.rhythm, blackouts=blackouts[c.pk]) for c in circles]


def _has_rhythm(circle: Circle) -> bool:
    try:
        return circle.rhythm is not None
    except Rhythm.DoesNotExist:
        return False


def feed_calendar(*, feed: CalendarFeed, sources: list[Source], now: datetime) -> Calendar:
    """The whole VCALENDAR of a feed: names, refresh hints, time zones and events."""
    if feed.circle is not None:
        name = _("PeerPact: %(circle)s") % {"circle": feed.circle.name}
        zone_name = feed.circle.timezone
    else:
        name = _("PeerPact: my circles")
        zone_name = feed.user.timezone
    calendar = Calendar.new(
        prodid=PRODID,
        calscale="GREGORIAN",
        method="PUBLISH",
        name=name,  # NAME (RFC 7986) and X-WR-CALNAME for older apps
        description=_("Update deadlines and review sessions of your PeerPact circles."),
        refresh_interval=REFRESH,
        uid=f"feed-{feed.pk}@{_host()}",
    )
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    calendar.add("X-WR-TIMEZONE", zone_name)
    for source in sources:
        for event in circle_events(source):
            calendar.add_component(event)
    starts = [event.start for event in calendar.events]
    if starts:
        # Zones are written out from the first event on; whole years keep the output (and ETag) stable.
        first = date(min(starts).year - 1, 1, 1)
        calendar.add_missing_timezones(
            first_date=first, last_date=date(now.year + TIMEZONE_YEARS_AHEAD, 1, 1)
        )
    return calendar


def circle_events(source: Source) -> list[Event]:
    """The recurring deadline event and, if the circle meets, the recurring review session."""
    circle, rhythm = source.circle, source.rhythm
    events = []
    deadlines = rhythm.deadlines()
    first = first_occurrence(deadlines)
    if first is not None:
        event = Event.new(
            uid=f"deadline-{circle.pk}@{_host()}",
            stamp=rhythm.updated_at.astimezone(UTC),
            last_modified=rhythm.updated_at.astimezone(UTC),
            start=first,
            summary=_("Update due: %(circle)s") % {"circle": circle.name},
            description=_deadline_description(rhythm),
            url=_absolute(reverse("checkins:checkin", kwargs=_circle_kwargs(circle))),
        )
        event.duration = DEADLINE_LENGTH
        event.add("TRANSP", "TRANSPARENT")  # a deadline does not make anyone busy
        event.add("RRULE", recurrence(deadlines))
        skipped = blacked_out(deadlines, source.blackouts)
        if skipped:
            event.add("EXDATE", skipped)
        events.append(event)
    reviews = rhythm.reviews()
    first_review = first_occurrence(reviews) if reviews else None
    if reviews is not None and first_review is not None:
        location = rhythm.review_location
        board = _absolute(reverse("checkins:board", kwargs=_circle_kwargs(circle)))
        event = Event.new(
            uid=f"review-{circle.pk}@{_host()}",
            stamp=rhythm.updated_at.astimezone(UTC),
            last_modified=rhythm.updated_at.astimezone(UTC),
            start=first_review,
            summary=_("Review session: %(circle)s") % {"circle": circle.name},
            description=_review_description(circle, location, board),
            location=location or None,
            url=location if _is_link(location) else board,
        )
        event.duration = timedelta(minutes=rhythm.review_duration_minutes)
        event.add("RRULE", recurrence(reviews))
        events.append(event)
    return events


def first_occurrence(rule: schedule.Rule) -> datetime | None:
    """The rule's first occurrence as a wall-clock time in its zone (the event's DTSTART).

    RFC 5545 leaves a DTSTART that is not itself an occurrence undefined, so the event starts at
    the first real one; the sequence that follows is the same, as every FREQ period counts from it.
    """
    local = schedule.parse_rule(rule.rule, rule.dtstart).after(rule.dtstart, inc=True)
    return None if local is None else local.replace(tzinfo=rule.zone)


def recurrence(rule: schedule.Rule) -> vRecur:
    """The RRULE as stored, with an UNTIL turned into UTC as RFC 5545 requires with a TZID start."""
    text = rule.rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    recur = vRecur.from_ical(text)
    if "UNTIL" in recur:
        until = recur["UNTIL"][0]
        if not isinstance(until, datetime):  # a date means its midnight, as dateutil reads it
            until = datetime.combine(until, time.min)
        recur["UNTIL"] = [until.astimezone(UTC) if until.tzinfo else schedule.to_utc(until, rule.zone)]
    return recur


def blacked_out(rule: schedule.Rule, blackouts: list[Blackout]) -> list[datetime]:
    """Occurrences that fall on blackout dates, as the same wall-clock times the RRULE produces."""
    if not blackouts:
        return []
    rrule = schedule.parse_rule(rule.rule, rule.dtstart)
    found: set[datetime] = set()
    for blackout in blackouts:
        start = datetime.combine(blackout.starts_on, time.min)
        end = datetime.combine(blackout.ends_on, time.max)
        found.update(rrule.between(start, end, inc=True))
    return [local.replace(tzinfo=rule.zone) for local in sorted(found)]


def _deadline_description(rhythm: Rhythm) -> str:
    lines = [_("Share your update with your circle before this time.")]
    if rhythm.grace_hours:
        lines.append(
            _("Updates in the %(hours)s hours after it still count, as late.") % {"hours": rhythm.grace_hours}
        )
    return "\n".join(lines)


def _review_description(circle: Circle, location: str, board: str) -> str:
    lines = [_("Review session of %(circle)s.") % {"circle": circle.name}]
    if location:
        lines.append(_("Where: %(location)s") % {"location": location})
    lines.append(_("Board: %(url)s") % {"url": board})
    return "\n".join(lines)


def _is_link(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def _circle_kwargs(circle: Circle) -> dict[str, Any]:
    return {"community": circle.community.slug, "circle": circle.slug}


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "peerpact"


def review_invitation(*, circle: Circle, rhythm: Rhythm, starts_at: datetime) -> str:
    """A one-event calendar (METHOD:PUBLISH) for one review session, to attach to its reminder."""
    calendar = Calendar()
    calendar.add("prodid", "-//PeerPact//Review session//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"review-{circle.pk}-{starts_at:%Y%m%dT%H%M%SZ}@{_host()}")
    event.add("dtstamp", starts_at)
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", (starts_at + timedelta(minutes=rhythm.review_duration_minutes)).astimezone(UTC))
    event.add("summary", _("Review session: %(circle)s") % {"circle": circle.name})
    board = _absolute(reverse("checkins:board", kwargs=_circle_kwargs(circle)))
    event.add("description", _review_description(circle, rhythm.review_location, board))
    if rhythm.review_location:
        event.add("location", rhythm.review_location)
        if _is_link(rhythm.review_location):
            event.add("url", rhythm.review_location)
    calendar.add_component(event)
    return calendar.to_ical().decode()
