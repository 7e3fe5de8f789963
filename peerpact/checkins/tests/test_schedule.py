"""Schedule arithmetic against an independent calendar oracle, across DST gaps, overlaps and odd zones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from peerpact.checkins.schedule import (
    MAX_GRACE_HOURS,
    CycleTimes,
    Rule,
    State,
    cycle_times,
    longest_streak,
    member_state,
    preset_rule,
    streak,
)

# Santiago changes at midnight (a gap or overlap straddles a date); Casablanca also changes for Ramadan.
DST_ZONES = ["Europe/Madrid", "Europe/London", "America/New_York", "America/Santiago", "Africa/Casablanca"]
ODD_ZONES = ["Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu", "Pacific/Kiritimati"]
ZONE_NAMES = [*DST_ZONES, *ODD_ZONES, "Pacific/Pago_Pago", "America/Sao_Paulo", "UTC"]
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Local times around the usual DST changes (00:00-03:45), mixed with arbitrary ones below.
TRICKY_TIMES = [time(h, m) for h in (0, 1, 2, 3) for m in (0, 15, 30, 45, 59)] + [time(23, 30)]
H = timedelta(hours=1)
S = timedelta(seconds=1)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- The oracle: decides dates from the calendar and resolves wall times without dateutil or `fold`. ---


@dataclass(frozen=True)
class Case:
    kind: str  # a preset: weekly, biweekly, weekdays, monthly
    weekdays: frozenset[int]  # 0 = Monday
    nth: int
    starts_on: date
    at: time
    zone: ZoneInfo

    @property
    def rule(self) -> Rule:
        codes = [CODES[d] for d in sorted(self.weekdays)]
        return Rule(preset_rule(self.kind, weekdays=codes, nth=self.nth), self.starts_on, self.at, self.zone)


def on_schedule(case: Case, day: date) -> bool:
    if day < case.starts_on or day.weekday() not in case.weekdays:
        return False
    if case.kind == "monthly":
        if case.nth == -1:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == case.nth
    # RFC 5545: INTERVAL counts weeks (starting Monday, WKST=MO) from the week of the start date.
    weeks = (monday(day) - monday(case.starts_on)).days // 7
    return weeks % (2 if case.kind == "biweekly" else 1) == 0


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def readings(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every UTC instant showing the naive `wall` on the zone's clocks: none in a gap, two in an overlap."""
    probe = wall.replace(tzinfo=UTC)
    offsets = {(probe + timedelta(hours=h)).astimezone(zone).utcoffset() for h in (-36, 0, 36)}
    candidates = {probe - offset for offset in offsets if offset is not None}
    return sorted(c for c in candidates if c.astimezone(zone).replace(tzinfo=None) == wall)


def offset_before(wall: datetime, zone: ZoneInfo) -> timedelta:
    return (wall.replace(tzinfo=UTC) - timedelta(hours=36)).astimezone(zone).utcoffset() or timedelta(0)


def oracle_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    wall = datetime.combine(day, at)
    found = readings(wall, zone)
    if found:
        return found[0]  # an overlap means the first occurrence
    # A gap: read with the offset in force before it, which moves the time forward by the gap's length.
    return wall.replace(tzinfo=UTC) - offset_before(wall, zone)


def oracle(case: Case, after: datetime, until: datetime | None = None, count: int = 10**6) -> list[datetime]:
    found: list[datetime] = []
    day = max(case.starts_on, after.date() - timedelta(days=2))  # earlier dates are before `after` anyway
    while len(found) < count and day <= after.date() + timedelta(days=900):
        if on_schedule(case, day):
            instant = oracle_instant(day, case.at, case.zone)
            if until is not None and instant > until:
                break
            if instant > after:
                found.append(instant)
        day += timedelta(days=1)
    return found


def assert_shows_the_rule_wall_time(instant: datetime, case: Case) -> None:
    local = instant.astimezone(case.zone).replace(tzinfo=None)
    if local.time() == case.at:
        assert instant == readings(local, case.zone)[0], "a repeated wall time must be its first occurrence"
        return
    gap = instant.astimezone(case.zone).utcoffset() - offset_before(local, case.zone)
    wall = local - gap
    assert gap > timedelta(0), f"{local} is not {case.at} and there is no gap"
    assert wall.time() == case.at, f"{local} is not {case.at} shifted by the gap of {gap}"
    assert readings(wall, case.zone) == [], f"{wall} exists, so it must not be shifted"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(["weekly", "biweekly", "weekdays", "monthly"]))
    one_day = st.integers(0, 6).map(lambda day: frozenset({day}))
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=1) if kind == "weekdays" else one_day)
    nth = draw(st.sampled_from([1, 2, 3, 4, -1])) if kind == "monthly" else 1
    starts_on = draw(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
    at = draw(
        st.one_of(st.sampled_from(TRICKY_TIMES), st.builds(time, st.integers(0, 23), st.integers(0, 59)))
    )
    return Case(kind, weekdays, nth, starts_on, at, ZoneInfo(draw(st.sampled_from(ZONE_NAMES))))


def on(
    days: str, at: time, zone: str, starts_on: date = date(2026, 1, 1), kind: str = "weekly", nth: int = 1
) -> Case:
    """A case for named dates: on("SU", time(2, 30), "Europe/Madrid", kind="biweekly")."""
    return Case(kind, frozenset(CODES.index(day) for day in days.split()), nth, starts_on, at, ZoneInfo(zone))


# Moments from weeks before the start to years after (mostly within ~16 months), so windows cross DST.
offsets_from_start = st.one_of(
    st.integers(-30 * 24 * 60, 500 * 24 * 60), st.integers(0, 16 * 365 * 24 * 60)
).map(lambda m: timedelta(minutes=m))
spans = st.integers(0, 400 * 24 * 60).map(lambda m: timedelta(minutes=m))
# Always tried as well, so that every run crosses real gaps and overlaps.
GAP_AND_OVERLAP_EXAMPLES = [
    on("SU", time(2, 30), "Europe/Madrid"),
    on("SU", time(1, 30), "Europe/London"),
    on("SU", time(2, 30), "America/New_York", kind="biweekly"),
    on("SU", time(2, 15), "Australia/Lord_Howe"),
    on("SU", time(3, 0), "Pacific/Chatham"),
    on("SU", time(0, 30), "America/Santiago"),
    on("SA SU", time(23, 30), "America/Santiago", kind="weekdays"),
    on("SU", time(2, 30), "Europe/Madrid", kind="monthly", nth=-1),
]


def dst_examples(**extra: timedelta):
    def decorate(test):
        for case in GAP_AND_OVERLAP_EXAMPLES:
            test = example(case=case, start_offset=timedelta(0), **extra)(test)
        return test

    return decorate


# --- Rule: properties against the oracle ---


@settings(max_examples=300, deadline=None)
@dst_examples()
@given(case=cases(), start_offset=offsets_from_start)
def test_iter_after_yields_increasing_utc_instants_after_the_moment_with_the_rule_wall_time(
    case: Case, start_offset: timedelta
) -> None:
    after = datetime.combine(case.starts_on, time(), tzinfo=UTC) + start_offset
    got = list(islice(case.rule.iter_after(after), 12))
    assert all(instant.utcoffset() == timedelta(0) and instant > after for instant in got)
    assert all(a < b for a, b in pairwise(got))
    for instant in got:
        assert_shows_the_rule_wall_time(instant, case)
    assert got == oracle(case, after, count=12)
    assert case.rule.upcoming(after, 5) == got[:5]
    assert case.rule.next_after(got[0] - S) == got[0]  # a moment just before still finds it
    assert case.rule.next_after(got[0]) == got[1]
    assert case.rule.upcoming(after.astimezone(case.zone), 5) == got[:5]  # any aware `after` will do


@settings(max_examples=300, deadline=None)
@dst_examples(span=timedelta(days=366))
@given(case=cases(), start_offset=offsets_from_start, span=spans)
def test_between_returns_exactly_the_oracle_instants_in_the_half_open_window(
    case: Case, start_offset: timedelta, span: timedelta
) -> None:
    start = datetime.combine(case.starts_on, time(), tzinfo=UTC) + start_offset
    end = start + span
    assert case.rule.between(start, end) == oracle(case, start, until=end)


def test_between_includes_an_instant_at_its_end_but_not_at_its_start() -> None:
    rule = on("SU", time(18, 0), "Europe/Madrid").rule
    first, second, third = rule.upcoming(utc(2026, 3, 1), 3)
    assert rule.between(first, third) == [second, third]
    assert rule.next_after(first) == second


# --- Rule: named dates ---


def test_a_madrid_sunday_0230_deadline_moves_to_0330_cest_in_the_spring_gap() -> None:
    rule = on("SU", time(2, 30), "Europe/Madrid").rule
    got = rule.between(utc(2026, 3, 20), utc(2026, 4, 10))
    assert got == [utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)]
    assert got[1].astimezone(rule.zone).time() == time(3, 30)


def test_a_madrid_sunday_0230_deadline_is_the_first_0230_in_the_autumn_overlap() -> None:
    rule = on("SU", time(2, 30), "Europe/Madrid").rule
    got = rule.between(utc(2026, 10, 12), utc(2026, 11, 3))
    assert got == [utc(2026, 10, 18, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]
    assert got[1].astimezone(rule.zone).utcoffset() == 2 * H  # CEST, not the later CET reading
    # Between the two readings, the second one is not another deadline.
    assert rule.next_after(utc(2026, 10, 25, 0, 45)) == utc(2026, 11, 1, 1, 30)


def local_dates(case: Case, after: datetime, count: int) -> list[date]:
    return [instant.astimezone(case.zone).date() for instant in case.rule.upcoming(after, count)]


def test_a_monthly_last_weekday_rule_handles_february_in_a_leap_year() -> None:
    fridays = on("FR", time(18, 0), "Europe/Madrid", date(2028, 1, 1), kind="monthly", nth=-1)
    tuesdays = on("TU", time(18, 0), "Europe/Madrid", date(2028, 1, 1), kind="monthly", nth=-1)
    after = utc(2028, 1, 1)
    assert local_dates(fridays, after, 3) == [date(2028, 1, 28), date(2028, 2, 25), date(2028, 3, 31)]
    assert local_dates(tuesdays, after, 3) == [date(2028, 1, 25), date(2028, 2, 29), date(2028, 3, 28)]


def test_a_biweekly_rule_keeps_fourteen_local_days_between_deadlines_across_dst() -> None:
    case = on("SU", time(2, 30), "America/New_York", starts_on=date(2026, 1, 11), kind="biweekly")
    dates = local_dates(case, utc(2026, 1, 1), 26)
    assert dates[0] == date(2026, 1, 11)
    assert all((b - a).days == 14 for a, b in pairwise(dates))
    got = case.rule.between(utc(2026, 1, 1), utc(2027, 1, 1))
    assert utc(2026, 2, 22, 7, 30) in got  # 02:30 EST
    assert utc(2026, 3, 8, 7, 30) in got  # the gap: 03:30 EDT
    assert utc(2026, 3, 22, 6, 30) in got  # 02:30 EDT
    assert utc(2026, 11, 1, 7, 30) in got  # 02:30 EST, just after the repeated hour


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(
            on("SU", time(3, 0), "Pacific/Chatham", date(2026, 9, 15)),
            [utc(2026, 9, 19, 14, 15), utc(2026, 9, 26, 14, 15), utc(2026, 10, 3, 13, 15)],
            id="chatham-at-+12:45-then-its-gap-moves-0300-to-0400-at-+13:45",
        ),
        pytest.param(
            on("MO TU WE TH FR", time(9, 0), "Asia/Kathmandu", kind="weekdays"),
            [utc(2026, 1, 1, 3, 15), utc(2026, 1, 2, 3, 15), utc(2026, 1, 5, 3, 15)],
            id="kathmandu-at-+5:45-skips-the-weekend",
        ),
        pytest.param(on("MO", time(9, 0), "Pacific/Kiritimati"), [utc(2026, 1, 4, 19)], id="kiritimati"),
        pytest.param(on("FR", time(18, 0), "Pacific/Pago_Pago"), [utc(2026, 1, 3, 5)], id="pago-pago"),
        pytest.param(
            on("SU", time(2, 15), "Australia/Lord_Howe", date(2026, 10, 1)),
            [utc(2026, 10, 3, 15, 45)],
            id="lord-howe-30-minute-gap-reads-0245",
        ),
        pytest.param(
            on("SU", time(1, 45), "Australia/Lord_Howe", date(2026, 4, 1)),
            [utc(2026, 4, 4, 14, 45)],
            id="lord-howe-30-minute-overlap-takes-the-first",
        ),
    ],
)
def test_far_off_zones_land_on_the_expected_utc_instants(case: Case, expected: list[datetime]) -> None:
    after = datetime.combine(case.starts_on, time(), tzinfo=UTC)
    assert case.rule.upcoming(after, len(expected)) == expected


# --- Cycles and member states ---

DEADLINE = utc(2026, 3, 29, 1, 30)
WEEK = timedelta(days=7)
TIMES = cycle_times(DEADLINE - WEEK, DEADLINE, DEADLINE + WEEK, timedelta(hours=24))


@pytest.mark.parametrize(
    ("submitted", "now", "excused", "expected"),
    [
        pytest.param(None, -H, False, State.PENDING, id="pending-before-the-deadline"),
        pytest.param(None, timedelta(0), False, State.PENDING, id="pending-at-the-deadline"),
        pytest.param(None, S, False, State.GRACE, id="grace-just-after-the-deadline"),
        pytest.param(None, 24 * H, False, State.GRACE, id="grace-at-its-last-moment"),
        pytest.param(None, 24 * H + S, False, State.MISSED, id="missed-after-grace-with-nothing"),
        pytest.param(-2 * H, -H, False, State.ON_TIME, id="on-time-before-the-deadline"),
        pytest.param(timedelta(0), timedelta(0), False, State.ON_TIME, id="on-time-at-exactly-the-deadline"),
        pytest.param(S, S, False, State.LATE, id="late-just-after-the-deadline"),
        pytest.param(3 * H, 30 * H, False, State.LATE, id="late-within-grace-stays-late"),
        pytest.param(3 * 24 * H, 3 * 24 * H, False, State.LATE, id="late-after-grace-before-closing"),
        pytest.param(WEEK, WEEK, False, State.LATE, id="late-at-exactly-closes-at"),
        pytest.param(WEEK + S, WEEK + S, False, State.MISSED, id="submission-after-closing-does-not-count"),
        pytest.param(None, 30 * H, True, State.EXCUSED, id="excused-with-nothing-submitted"),
        pytest.param(None, S, True, State.EXCUSED, id="excused-inside-grace"),
        pytest.param(-H, 30 * H, True, State.ON_TIME, id="excused-member-on-time-counts"),
        pytest.param(2 * H, 30 * H, True, State.LATE, id="excused-member-late-counts"),
        pytest.param(WEEK + S, WEEK + S, True, State.EXCUSED, id="excused-after-closing-submission"),
    ],
)
def test_member_state_follows_the_state_table(
    submitted: timedelta | None, now: timedelta, excused: bool, expected: State
) -> None:
    submitted_at = None if submitted is None else DEADLINE + submitted
    state = member_state(times=TIMES, submitted_at=submitted_at, now=DEADLINE + now, excused=excused)
    assert state == expected


minutes = st.integers(1, 60 * 24 * 60).map(lambda m: timedelta(minutes=m))
graces = st.integers(0, MAX_GRACE_HOURS * 60).map(lambda m: timedelta(minutes=m))


@st.composite
def cycles(draw: st.DrawFn) -> CycleTimes:
    deadline = draw(st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC)))
    return cycle_times(deadline - draw(minutes), deadline, deadline + draw(minutes), draw(graces))


@settings(max_examples=200, deadline=None)
@given(previous=minutes, following=minutes, grace=st.one_of(graces, minutes))
def test_grace_never_passes_the_next_deadline_and_closing_follows_grace(
    previous: timedelta, following: timedelta, grace: timedelta
) -> None:
    times = cycle_times(DEADLINE - previous, DEADLINE, DEADLINE + following, grace)
    assert times.opens_at == DEADLINE - previous
    assert times.deadline_at == DEADLINE
    assert DEADLINE <= times.grace_until <= DEADLINE + following
    assert times.grace_until == (DEADLINE + grace if grace <= following else DEADLINE + following)
    assert times.closes_at >= times.grace_until
    assert times.closes_at >= DEADLINE + following  # late check-ins are accepted until the next deadline


RANK = {State.PENDING: 0, State.GRACE: 1, State.MISSED: 2}


@settings(max_examples=200, deadline=None)
@given(times=cycles(), moments=st.lists(st.integers(-(10**7), 10**7), min_size=2, max_size=8))
def test_with_nothing_submitted_the_state_only_moves_from_pending_to_grace_to_missed(
    times: CycleTimes, moments: list[int]
) -> None:
    nows = sorted(times.deadline_at + timedelta(seconds=s) for s in moments)
    states = [member_state(times=times, submitted_at=None, now=now, excused=False) for now in nows]
    assert [RANK[s] for s in states] == sorted(RANK[s] for s in states)
    final = member_state(times=times, submitted_at=None, now=times.closes_at + S, excused=False)
    assert final == State.MISSED


# --- Streaks ---

ON, LATE, MISSED, EXCUSED = State.ON_TIME, State.LATE, State.MISSED, State.EXCUSED
PENDING, GRACE = State.PENDING, State.GRACE


@pytest.mark.parametrize(
    ("states", "current", "longest"),
    [
        pytest.param([], 0, 0, id="no-cycles"),
        pytest.param([ON, ON, ON], 3, 3, id="all-on-time"),
        pytest.param([ON, EXCUSED, ON], 2, 2, id="excused-in-the-middle-neither-breaks-nor-extends"),
        pytest.param([ON, ON, EXCUSED], 2, 2, id="excused-at-the-end-neither-breaks-nor-extends"),
        pytest.param([EXCUSED, EXCUSED], 0, 0, id="only-excused-counts-nothing"),
        pytest.param([ON, ON, PENDING], 2, 2, id="pending-at-the-end-is-provisional"),
        pytest.param([ON, GRACE], 1, 1, id="grace-at-the-end-is-provisional"),
        pytest.param([ON, ON, LATE, ON], 1, 2, id="late-breaks"),
        pytest.param([ON, ON, MISSED], 0, 2, id="missed-breaks"),
        pytest.param([ON, ON, ON, MISSED, ON, EXCUSED, ON, GRACE], 2, 3, id="mixed-history"),
    ],
)
def test_streaks_count_on_time_cycles_skipping_excused_and_provisional_ones(
    states: list[State], current: int, longest: int
) -> None:
    assert streak(states) == current
    assert longest_streak(states) == longest


final_states = st.lists(st.sampled_from([ON, LATE, MISSED, EXCUSED]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(states=final_states, where=st.integers(0, 30), provisional=st.sampled_from([[], [PENDING], [GRACE]]))
def test_streak_is_at_most_the_longest_and_ignores_excused_cycles_and_a_provisional_end(
    states: list[State], where: int, provisional: list[State]
) -> None:
    assert streak(states) <= longest_streak(states) <= states.count(ON)
    history = [*states[:where], EXCUSED, *states[where:], *provisional]
    assert streak(history) == streak(states)
    assert longest_streak(history) == longest_streak(states)
