"""The reminder proof: a simulated fortnight across both DST switches, the clock stepped each minute.

25 March - 8 April 2026 (UTC) holds Europe's spring-forward (29 March) and the southern fall-back
(Chile, Chatham, New Zealand and Australia, 4/5 April). Six circles have rhythms with deadlines at
awkward local times; 18 members live in 18 zones. The clock steps one minute at a time and the worker
units run the way the worker runs them (see `simulate` for which units run which minutes). What was
*sent* is checked against an expectation built here without
`peerpact.checkins.schedule`: deadlines expanded with `dateutil.rrule` on naive wall times and placed
in the zone by hand, cycles and slots derived from them, then paused members, blackout days,
submitted check-ins, muted kinds and quiet hours (walked minute by minute on the member's own clock).
"""

from __future__ import annotations

import os
import time as wallclock
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE, WEEKLY, rrule
from django.core import mail

from conftest import seat
from peerpact.checkins import reminders, services
from peerpact.checkins.models import Cycle
from peerpact.checkins.services import CheckinAnswers, RhythmSpec
from peerpact.circles import services as circle_services
from peerpact.circles.models import Membership
from peerpact.insights import reports
from peerpact.notifications import outbox, worker
from peerpact.notifications import services as notification_services
from peerpact.notifications.models import Message, MessageState

pytestmark = pytest.mark.django_db

SETUP = datetime(2026, 3, 24, 0, 0, tzinfo=UTC)  # rhythms are set and people join the day before
START = datetime(2026, 3, 25, 0, 0, tzinfo=UTC)
END = datetime(2026, 4, 8, 0, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
LAST = END - MINUTE  # the last step
STARTS_ON = date(2026, 3, 2)
DAILY_CAP = 6  # the default; the scenario stays below it, so the cap plays no part
UNITS = (
    services.cycles_materialize,
    services.pauses_sync,
    reminders.reminders_schedule,
    outbox.outbox_deliver_batch,
    reports.organizer_reports,
)


@dataclass(frozen=True)
class CircleSpec:
    zone: str
    days: tuple[str, ...]
    at: time
    grace_hours: int
    blackout: date | None = None


@dataclass(frozen=True)
class Member:
    zone: str
    circles: tuple[str, ...]
    quiet: tuple[time, time] | None = None
    opt_out: bool = False  # one-click unsubscribe from reminder emails
    paused: bool = False  # a pause from the first day of the fortnight, open-ended
    joins: datetime | None = None  # None: joined at SETUP


CIRCLES = {
    "madrid": CircleSpec("Europe/Madrid", ("TH", "SU"), time(2, 30), 6),  # 29 Mar 02:30 does not exist
    "chatham": CircleSpec("Pacific/Chatham", ("SU",), time(3, 15), 2),  # 5 Apr 03:15 happens twice
    "sydney": CircleSpec("Australia/Sydney", ("TH", "SU"), time(2, 30), 12),  # 5 Apr 02:30 twice
    "kathmandu": CircleSpec("Asia/Kathmandu", ("TU",), time(0, 15), 48),
    "newyork": CircleSpec("America/New_York", ("MO", "WE", "FR"), time(23, 45), 36),
    "santiago": CircleSpec("America/Santiago", ("SA",), time(23, 30), 24, date(2026, 3, 28)),  # 4 Apr twice
}
NIGHT = (time(22, 0), time(7, 0))
MEMBERS = {
    "marta": Member("Europe/Madrid", ("madrid",), NIGHT),
    "liam": Member("Europe/London", ("madrid",), (time(23, 0), time(1, 30))),  # ends in the 29 Mar gap
    "omar": Member("Africa/Cairo", ("madrid",), opt_out=True),
    "uma": Member("UTC", ("madrid", "kathmandu")),
    "hemi": Member("Pacific/Chatham", ("chatham",), (time(23, 0), time(3, 30))),  # ends in the repeat
    "aroha": Member("Pacific/Auckland", ("chatham",)),
    "yuki": Member("Asia/Tokyo", ("chatham",), (time(0, 0), time(6, 0))),
    "mia": Member("Australia/Sydney", ("sydney",), NIGHT),
    "lachlan": Member("Australia/Lord_Howe", ("sydney",), (time(21, 30), time(6, 30))),
    "sita": Member("Asia/Kathmandu", ("kathmandu",), (time(21, 0), time(6, 0))),
    "arjun": Member("Asia/Kolkata", ("kathmandu",)),
    "dara": Member("Asia/Tehran", ("kathmandu",), joins=datetime(2026, 3, 30, 12, 0, tzinfo=UTC)),
    "nate": Member("America/New_York", ("newyork",), paused=True),
    "fiona": Member("America/St_Johns", ("newyork",), (time(22, 30), time(6, 30))),
    "leo": Member("America/Los_Angeles", ("newyork",)),
    "sofia": Member("America/Santiago", ("santiago",), (time(22, 0), time(8, 0))),
    "kiri": Member("Pacific/Kiritimati", ("santiago",)),
    "moana": Member("Pacific/Marquesas", ("santiago",), NIGHT),
}
# (member, circle, local date of the cycle's deadline) -> when the check-in is submitted
SUBMISSIONS = {
    ("marta", "madrid", date(2026, 4, 2)): datetime(2026, 4, 1, 12, 0, tzinfo=UTC),  # after the 24 h one
    ("uma", "madrid", date(2026, 3, 29)): datetime(2026, 3, 29, 1, 29, tzinfo=UTC),  # just before it
    ("mia", "sydney", date(2026, 4, 2)): datetime(2026, 4, 1, 14, 0, tzinfo=UTC),  # 2 h one held, quiet
    ("arjun", "kathmandu", date(2026, 3, 31)): datetime(2026, 3, 31, 10, 0, tzinfo=UTC),  # late
    ("leo", "newyork", date(2026, 4, 1)): datetime(2026, 4, 2, 1, 45, tzinfo=UTC),  # the 2 h minute
    ("kiri", "santiago", date(2026, 4, 4)): datetime(2026, 4, 5, 2, 30, tzinfo=UTC),  # the deadline
    ("sita", "kathmandu", date(2026, 4, 7)): datetime(2026, 3, 30, 19, 0, tzinfo=UTC),  # early, "opened" held
}
SILENT_SLOTS = {"reminder-24h", "reminder-2h", "late", "missed"}  # only while nothing is submitted
WEEKDAY = {"MO": MO, "TU": TU, "WE": WE, "TH": TH, "FR": FR, "SA": SA, "SU": SU}


# --- The independent expectation ------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedCycle:
    opens: datetime
    deadline: datetime
    grace_end: datetime


def deadlines(spec: CircleSpec) -> list[datetime]:
    """Naive wall times from rrule, then the zone: PEP 495 fold=0 reads a time in a spring-forward
    gap with the offset before it (02:30 -> 03:30, as RFC 5545 says) and a repeated time as the first."""
    zone = ZoneInfo(spec.zone)
    rule = rrule(
        WEEKLY,
        byweekday=[WEEKDAY[d] for d in spec.days],
        dtstart=datetime.combine(STARTS_ON, spec.at),
        until=datetime(2026, 4, 30),
    )
    return [local.replace(tzinfo=zone, fold=0).astimezone(UTC) for local in rule]


def expected_cycles(spec: CircleSpec) -> list[ExpectedCycle]:
    ahead = [d for d in deadlines(spec) if d > SETUP]
    if ahead[0] - SETUP < timedelta(hours=24):  # nobody starts a first cycle with under a day to go
        ahead = ahead[1:]
    grace = timedelta(hours=spec.grace_hours)
    opens = [SETUP, *ahead]
    return [ExpectedCycle(opens[i], d, min(d + grace, nxt)) for i, (d, nxt) in enumerate(pairwise(ahead))]


def slot_times(cycle: ExpectedCycle, spec: CircleSpec) -> dict[str, datetime]:
    times = {"opened": cycle.opens}
    for hours in (24, 2):
        if cycle.deadline - timedelta(hours=hours) > cycle.opens:
            times[f"reminder-{hours}h"] = cycle.deadline - timedelta(hours=hours)
    times["late"] = cycle.deadline + min(timedelta(hours=spec.grace_hours) / 2, timedelta(hours=12))
    times["missed"] = cycle.grace_end
    return times


def after_quiet(when: datetime, member: Member) -> datetime:
    """The first minute from `when` on at which the member's own wall clock shows no quiet time."""
    if member.quiet is None:
        return when
    start, end = member.quiet
    zone = ZoneInfo(member.zone)

    def quiet(instant: datetime) -> bool:
        wall = instant.astimezone(zone).time()
        return start <= wall < end if start < end else (wall >= start or wall < end)

    while quiet(when):
        when += MINUTE
    return when


def local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def expectation() -> dict[tuple, datetime]:
    """(member, circle, deadline, slot, channel) -> the instant it is due to be sent."""
    expected: dict[tuple, datetime] = {}
    per_day: Counter[tuple] = Counter()  # queued messages per member, channel and local day
    for name, member in MEMBERS.items():
        joined = member.joins or SETUP
        for circle in member.circles:
            spec = CIRCLES[circle]
            for cycle in expected_cycles(spec):
                if local_day(cycle.deadline, spec.zone) == spec.blackout or member.paused:
                    continue
                submitted = SUBMISSIONS.get((name, circle, local_day(cycle.deadline, spec.zone)))
                for slot, raw in slot_times(cycle, spec).items():
                    # The worker starts at START; nothing may fall in the 3 h it would catch up on.
                    assert not START - timedelta(hours=3) <= raw < START, (circle, slot, raw)
                    silenced = slot in SILENT_SLOTS and submitted is not None
                    if not START <= raw <= LAST or raw < joined or (silenced and submitted <= raw):
                        continue
                    for channel in ("email", "inapp"):
                        if member.opt_out and channel == "email" and slot.startswith("reminder"):
                            continue
                        due = after_quiet(raw, member)
                        per_day[name, channel, local_day(due, member.zone)] += 1
                        if due <= LAST and not (silenced and submitted <= due):
                            expected[name, circle, cycle.deadline, slot, channel] = due
    assert max(per_day.values()) <= DAILY_CAP, per_day.most_common(3)
    return expected


def test_the_scenario_spans_both_switches_and_the_independent_expansion_reads_them_as_rfc_5545():
    zones = {m.zone for m in MEMBERS.values()}
    assert len(zones) >= 12 and {"Asia/Kathmandu", "Pacific/Chatham"} <= zones
    for zone, day in (("Europe/Madrid", date(2026, 3, 29)), ("Pacific/Chatham", date(2026, 4, 5))):
        noon = datetime.combine(day, time(12), tzinfo=ZoneInfo(zone))
        assert START < noon < END and noon.utcoffset() != (noon - timedelta(days=1)).utcoffset()
    by_zone = {name: deadlines(spec) for name, spec in CIRCLES.items()}
    assert datetime(2026, 3, 29, 1, 30, tzinfo=UTC) in by_zone["madrid"]  # 02:30 CET -> 03:30 CEST
    assert datetime(2026, 4, 4, 13, 30, tzinfo=UTC) in by_zone["chatham"]  # the first 03:15 (+13:45)
    assert datetime(2026, 4, 4, 15, 30, tzinfo=UTC) in by_zone["sydney"]  # the first 02:30 (AEDT)
    assert datetime(2026, 4, 5, 2, 30, tzinfo=UTC) in by_zone["santiago"]  # the first 23:30 (-03)
    assert datetime(2026, 3, 30, 18, 30, tzinfo=UTC) in by_zone["kathmandu"]  # Tuesday 00:15 (+05:45)


# --- The simulation -------------------------------------------------------------------------------


def build(community, olivia, make_user, clock):
    clock.move_to(SETUP)
    circles = {}
    for name, spec in CIRCLES.items():
        circles[name] = circle_services.circle_create(
            community=community,
            creator=olivia,
            name=name.title(),
            facilitate=False,
            charter="Be kind.",
            status="active",
            timezone=spec.zone,
        )
        services.rhythm_set(
            circle=circles[name],
            actor=olivia,
            spec=RhythmSpec(
                preset="weekly" if len(spec.days) == 1 else "weekdays",
                weekdays=list(spec.days),
                deadline_time=spec.at,
                starts_on=STARTS_ON,
                grace_hours=spec.grace_hours,
            ),
            now=SETUP,
        )
        if spec.blackout:
            services.blackout_add(
                circle=circles[name], actor=olivia, starts_on=spec.blackout, ends_on=spec.blackout
            )
    users = {}
    for name, member in MEMBERS.items():
        users[name] = user = make_user(f"{name}@example.com", name.title(), member.zone)
        if member.quiet:
            notification_services.preference_update(
                user=user,
                muted=[],
                quiet_from=member.quiet[0],
                quiet_until=member.quiet[1],
                daily_cap=DAILY_CAP,
            )
        if member.opt_out:
            notification_services.email_mute(user=user, kind="checkin.reminder")
        if member.joins is None:
            for circle in member.circles:
                membership = seat(circles[circle], user, olivia)
                if member.paused:
                    services.pause_start(membership=membership, actor=user, starts_on=START.date())
    return circles, users


def event_minutes() -> set[datetime]:
    """Minutes at which a unit other than delivery can have work, by the independent expectation: a
    slot falls due (a cycle opens at the previous deadline), a UTC day starts (pauses_sync), or a
    person acts. In between, scheduling is a no-op; delivery still runs every minute."""
    found = {m.joins for m in MEMBERS.values() if m.joins} | set(SUBMISSIONS.values())
    found |= {START + timedelta(days=n) for n in range((END - START).days)}
    for spec in CIRCLES.values():
        found |= {at for cycle in expected_cycles(spec) for at in slot_times(cycle, spec).values()}
    return found


def simulate(circles, users, olivia, clock) -> float:
    """Each minute: scripted people first, then the worker's units until none has work left.

    All units run every minute with PEERPACT_SIMULATE_ALL_UNITS=1 (~5.5 min here); otherwise
    the scheduling units run at `event_minutes()` and delivery every minute (due times are checked)."""
    cycle_deadline = {
        (circle, local_day(cycle.deadline, CIRCLES[circle].zone)): cycle.deadline
        for circle, spec in CIRCLES.items()
        for cycle in expected_cycles(spec)
    }
    submissions = defaultdict(list)
    for (name, circle, day), at in SUBMISSIONS.items():
        submissions[at].append((name, circle, cycle_deadline[circle, day]))
    joins = {m.joins: name for name, m in MEMBERS.items() if m.joins}
    events = None if os.environ.get("PEERPACT_SIMULATE_ALL_UNITS") else event_minutes()
    mail.outbox.clear()  # the invitations
    began = wallclock.perf_counter()
    now = START
    while now <= LAST:
        clock.move_to(now)
        if now in joins:
            for circle in MEMBERS[joins[now]].circles:
                seat(circles[circle], users[joins[now]], olivia)
        for name, circle, deadline in submissions.get(now, []):
            services.checkin_submit(
                membership=Membership.objects.get(circle=circles[circle], user=users[name]),
                cycle=Cycle.objects.get(circle=circles[circle], deadline_at=deadline),
                actor=users[name],
                answers=CheckinAnswers(wins="Shipped it."),
                expected_version=None,
                now=now,
            )
        units = UNITS if events is None or now in events else (outbox.outbox_deliver_batch,)
        busy = True
        while busy:  # like the worker: another pass at once while a unit found work
            busy = False
            for unit in units:
                busy = unit(now=now) or busy
        now += MINUTE
    return wallclock.perf_counter() - began


def sent() -> dict[tuple, list[tuple[datetime, datetime]]]:
    """(member, circle, deadline, slot, channel) -> [(due_at, sent_at)] of the sent rows."""
    names = {m.pk: (m.user.display_name.lower(), m.circle.name.lower()) for m in Membership.objects.all()}
    deadline = dict(Cycle.objects.values_list("pk", "deadline_at"))
    found = defaultdict(list)
    rows = Message.objects.filter(dedupe_key__startswith="checkin:", state=MessageState.SENT)
    for key, due, at in rows.values_list("dedupe_key", "due_at", "sent_at"):
        _, membership, cycle, slot, channel = key.split(":")
        found[(*names[int(membership)], deadline[int(cycle)], slot, channel)].append((due, at))
    return found


def show(key: tuple, *instants: datetime) -> str:
    name, circle, deadline, slot, channel = key
    zone = ZoneInfo(MEMBERS[name].zone)
    when = " / ".join(f"{i:%d %b %H:%M} UTC ({i.astimezone(zone):%H:%M %Z})" for i in instants)
    return f"{name} ({circle}, deadline {deadline:%d %b %H:%M} UTC) {slot} by {channel}: {when}"


def test_a_fortnight_across_both_dst_switches_sends_every_reminder_once_and_on_time(
    community, olivia, make_user, clock
):
    # What the worker runs for check-in reminders, in its order (other units send other kinds).
    assert [unit for unit in worker.due_work_units() if unit in UNITS] == list(UNITS)
    expected = expectation()
    circles, users = build(community, olivia, make_user, clock)
    runtime = simulate(circles, users, olivia, clock)
    actual = sent()
    emails = [m for m in mail.outbox if m.extra_headers.get("X-PeerPact-Kind", "").startswith("checkin.")]
    rows = sum(len(v) for k, v in actual.items() if k[-1] == "email")
    figures = f"{len(expected)} expected, {sum(map(len, actual.values()))} sent, {len(emails)} emails"
    print(f"\n{figures}; {runtime:.1f} s for {(END - START) // MINUTE} minutes")  # noqa: T201 - shown with -s

    for name, spec in CIRCLES.items():  # the app's cycles are the rrule's
        cycles = list(Cycle.objects.filter(circle=circles[name]).order_by("index"))
        assert [(c.opens_at, c.deadline_at, c.grace_until) for c in cycles] == [
            (c.opens, c.deadline, c.grace_end) for c in expected_cycles(spec)[: len(cycles)]
        ], name
    assert (
        Message.objects.filter(recipient=users["mia"], state=MessageState.CANCELLED).count() == 2
    )  # withdrawn
    both = [(k, expected[k], v[0]) for k, v in actual.items() if k in expected]
    problems = {
        "sent more than once": [show(k, *(at for _, at in v)) for k, v in actual.items() if len(v) > 1],
        "never sent (due)": [show(k, due) for k, due in expected.items() if k not in actual],
        "sent but not expected": [
            show(k, *(at for _, at in v)) for k, v in actual.items() if k not in expected
        ],
        "sent early (expected / sent)": [show(k, due, at) for k, due, (_, at) in both if at < due],
        "sent late (expected / sent)": [show(k, due, at) for k, due, (_, at) in both if at - due >= MINUTE],
        "queued for the wrong time (expected / due_at)": [show(k, e, d) for k, e, (d, _) in both if d != e],
        "queued for the paused member": list(
            map(str, Message.objects.filter(recipient=users["nate"], kind__startswith="checkin."))
        ),
        "reminder emails queued for the member who opted out": list(
            map(
                str, Message.objects.filter(recipient=users["omar"], kind="checkin.reminder", channel="email")
            )
        ),
        "cut by the daily cap": list(map(str, Message.objects.filter(last_error="daily cap reached"))),
        "emails vs sent email rows": [] if len(emails) == rows else [f"{len(emails)} emails, {rows} rows"],
    }
    failures = "\n".join(f"{what}:\n  " + "\n  ".join(found) for what, found in problems.items() if found)
    if failures:
        pytest.fail(failures, pytrace=False)
