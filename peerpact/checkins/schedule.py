"""Pure schedule arithmetic: RFC 5545 rules in a circle's wall-clock time, turned into UTC instants.

Nothing here touches the database, so it can be tested exhaustively (see tests/test_schedule.py).

Rules are expanded on *naive local* datetimes and only then given the zone, so "every Friday at
18:00" stays 18:00 local across DST changes. A local time that does not exist (spring-forward gap)
is read with the offset before the gap, which moves it forward by the gap's length (02:30 -> 03:30),
as RFC 5545 prescribes; a repeated local time (fall-back) means its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

MAX_GRACE_HOURS = 72


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in `zone` as an aware UTC instant (gap: forward; overlap: first)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def parse_rule(rule: str, dtstart: datetime) -> rrule:
    """Parse an RRULE body (without DTSTART) anchored at a naive local `dtstart`."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    parsed = rrulestr(text, dtstart=dtstart, forceset=False)
    if not isinstance(parsed, rrule):  # pragma: no cover - rrulestr only returns a set when asked
        raise ValueError("A single RRULE is expected.")
    return parsed


@dataclass(frozen=True)
class Rule:
    """A recurring wall-clock time in a zone: `rule` expanded from `starts_on` at `at` local time."""

    rule: str
    starts_on: date
    at: time
    zone: ZoneInfo

    @property
    def dtstart(self) -> datetime:
        return datetime.combine(self.starts_on, self.at)

    def _rrule(self) -> rrule:
        return parse_rule(self.rule, self.dtstart)

    def iter_after(self, after: datetime) -> Iterator[datetime]:
        """UTC instants strictly after the aware datetime `after`, in order, without repeats."""
        local_after = after.astimezone(self.zone).replace(tzinfo=None) - timedelta(days=1)
        last: datetime | None = None
        for local in self._rrule().xafter(local_after, inc=True):
            instant = to_utc(local, self.zone)
            if instant <= after or (last is not None and instant <= last):
                continue
            last = instant
            yield instant

    def next_after(self, after: datetime) -> datetime | None:
        return next(self.iter_after(after), None)

    def between(self, start: datetime, end: datetime) -> list[datetime]:
        """UTC instants in (start, end]."""
        found = []
        for instant in self.iter_after(start):
            if instant > end:
                break
            found.append(instant)
        return found

    def upcoming(self, after: datetime, count: int) -> list[datetime]:
        found = []
        for instant in self.iter_after(after):
            found.append(instant)
            if len(found) == count:
                break
        return found


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Preset(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    WEEKDAYS = "weekdays"
    MONTHLY = "monthly"
    CUSTOM = "custom"


def preset_rule(preset: str, *, weekdays: list[str], nth: int = 1) -> str:
    """The RRULE body for an editor preset (weekdays are MO..SU; nth is 1..4 or -1 for last)."""
    days = [d for d in WEEKDAYS if d in {w.upper() for w in weekdays}]
    if preset in (Preset.WEEKLY, Preset.BIWEEKLY):
        if len(days) != 1:
            raise ValueError("Choose one weekday.")
        interval = ";INTERVAL=2" if preset == Preset.BIWEEKLY else ""
        return f"FREQ=WEEKLY{interval};BYDAY={days[0]}"
    if preset == Preset.WEEKDAYS:
        if not days:
            raise ValueError("Choose at least one weekday.")
        return f"FREQ=WEEKLY;BYDAY={','.join(days)}"
    if preset == Preset.MONTHLY:
        if len(days) != 1 or nth not in (1, 2, 3, 4, -1):
            raise ValueError("Choose one weekday and which one in the month.")
        return f"FREQ=MONTHLY;BYDAY={nth}{days[0]}"
    raise ValueError(f"Unknown preset {preset!r}.")


class State(StrEnum):
    """A member's standing in one cycle. The first two are provisional; the rest are final once closed."""

    PENDING = "pending"  # the deadline is still ahead and nothing is submitted
    GRACE = "grace"  # past the deadline, inside the grace period, nothing submitted
    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    EXCUSED = "excused"


@dataclass(frozen=True)
class CycleTimes:
    opens_at: datetime
    deadline_at: datetime
    grace_until: datetime
    closes_at: datetime


def cycle_times(
    previous_deadline: datetime, deadline: datetime, next_deadline: datetime, grace: timedelta
) -> CycleTimes:
    """A cycle spans (previous deadline, deadline]; it accepts late check-ins until the next deadline."""
    grace_until = min(deadline + grace, next_deadline)
    return CycleTimes(previous_deadline, deadline, grace_until, max(next_deadline, grace_until))


def member_state(*, times: CycleTimes, submitted_at: datetime | None, now: datetime, excused: bool) -> State:
    """The state table of DESIGN.md: on time, late (within grace or after), missed, excused.

    A submission always counts, even from an excused member; excusal only replaces a miss.
    """
    if submitted_at is not None and submitted_at <= times.closes_at:
        return State.ON_TIME if submitted_at <= times.deadline_at else State.LATE
    if excused:
        return State.EXCUSED
    if now <= times.deadline_at:
        return State.PENDING
    if now <= times.grace_until:
        return State.GRACE
    return State.MISSED


COUNTS_FOR_STREAK = {State.ON_TIME}
BREAKS_STREAK = {State.LATE, State.MISSED}


def streak(states: list[State]) -> int:
    """Consecutive on-time cycles ending at the latest final one; excused cycles are skipped.

    Provisional states (pending, grace) at the end neither break nor extend the streak.
    """
    count = 0
    for state in reversed(states):
        if state in COUNTS_FOR_STREAK:
            count += 1
        elif state in BREAKS_STREAK:
            break
    return count


def longest_streak(states: list[State]) -> int:
    best = current = 0
    for state in states:
        if state in COUNTS_FOR_STREAK:
            current += 1
            best = max(best, current)
        elif state in BREAKS_STREAK:
            current = 0
    return best
