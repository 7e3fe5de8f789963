"""A deterministic large organization for the benchmarks, written with bulk inserts in minutes.

Usage:
    python -m bench.generate --size {tiny,demo,large} [--seed 7] [--fresh] [--no-check]

It writes to whatever database the settings point to (DATABASE_URL, PGDATABASE/PGHOST or SQLITE_PATH).
With none of those set it uses var/bench/bench-<size>.sqlite3, never the development database.
`--fresh` starts from an empty database: on SQLite the file is deleted and migrated, on PostgreSQL the
schema is migrated and flushed. Without it the command refuses to run twice on one database.

Sizes (every circle has the same shape, so per-circle pages are comparable across sizes):

| size  | circles | members | weekly cycles | cohort learners |
|-------|---------|---------|---------------|-----------------|
| tiny  | 3       | 24      | 8             | 20              |
| demo  | 10      | 100     | 52            | 200             |
| large | 1,000   | 10,000  | 52            | 2,000           |

Identities (documented for the benchmarks): community `bench-org`; owner `organizer@bench.example`;
members `member1@bench.example` …; cohort learners beyond the circles' members are
`learner1@bench.example` …; every password is `bench-pass`. The first circle, `tracker-circle`, has
exactly 8 members: member1 (a plain member), member2 (its facilitator) … member8. The last cycle of
every circle ends at its next deadline after "now", so it is open; one more cycle is scheduled after it,
as the worker keeps it. A JSON manifest (var/bench/manifest-<size>.json) tells the benchmarks where to go.

How it is fast: the story is computed in Python from a seeded random.Random per circle and phase (so a
circle's story does not depend on how many circles come after it), as plain rows with ids assigned
here. The rows go to the database in batches of 2,000: `executemany` on SQLite, `COPY` on PostgreSQL,
all in one transaction (foreign keys are checked at commit, so tables fill in any order). Django's
bulk_create spends ~200 µs per row building model instances and compiling the INSERT, which would turn
the large size into most of an hour. One password hash is computed and shared by every user.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time as clock
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Size:
    circles: int
    members: int
    weeks: int
    learners: int


SIZES = {
    "tiny": Size(circles=3, members=24, weeks=8, learners=20),
    "demo": Size(circles=10, members=100, weeks=52, learners=200),
    "large": Size(circles=1000, members=10_000, weeks=52, learners=2000),
}


def _prepare_environment(argv: list[str]) -> None:
    """Settings for a command-line run; must happen before Django is imported."""
    size = "tiny"
    for flag, value in itertools.pairwise(argv):
        if flag == "--size":
            size = value
    for arg in argv:
        if arg.startswith("--size="):
            size = arg.split("=", 1)[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    if not any(os.environ.get(name) for name in ("DATABASE_URL", "SQLITE_PATH", "PGDATABASE", "PGHOST")):
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        os.environ["SQLITE_PATH"] = str(BENCH_DIR / f"bench-{size}.sqlite3")
    import django

    django.setup()


if __name__ == "__main__":
    _prepare_environment(sys.argv)

from allauth.account.models import EmailAddress  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from peerpact.accounts.models import User  # noqa: E402
from peerpact.checkins import schedule  # noqa: E402
from peerpact.checkins.models import Blackout, Checkin, CheckinVisibility, Cycle, Pause, Rhythm  # noqa: E402
from peerpact.checkins.reminders import slots as reminder_slots  # noqa: E402
from peerpact.circles.models import (  # noqa: E402
    Circle,
    CircleStatus,
    JoinPolicy,
    MemberRole,
    Membership,
    MembershipStatus,
    Purpose,
    Visibility,
)
from peerpact.communities.models import Community, CommunityMembership, CommunityRole  # noqa: E402
from peerpact.engagement.models import LadderScan, Pulse, PulseAnswer, ReengagementCase  # noqa: E402
from peerpact.engagement.services.pulses import PULSE_OPEN_FOR  # noqa: E402
from peerpact.feedback import demo as feedback_demo  # noqa: E402
from peerpact.feedback.models import (  # noqa: E402
    Comment,
    Feedback,
    HelpOffer,
    HelpResolution,
    Kudos,
    KudosTarget,
    Reaction,
)
from peerpact.goals.models import (  # noqa: E402
    Commitment,
    CommitmentStatus,
    Direction,
    Goal,
    GoalProgress,
    GoalStatus,
    Milestone,
)
from peerpact.insights import demo as insights_demo  # noqa: E402
from peerpact.insights import demo_history  # noqa: E402
from peerpact.notifications.models import Channel, Message, MessageState, Preference  # noqa: E402
from peerpact.programs import demo as programs_demo  # noqa: E402
from peerpact.programs.models import (  # noqa: E402
    Cohort,
    CohortStatus,
    Enrollment,
    FollowUp,
    Highlight,
    Module,
    ModuleView,
    Program,
    ProgramStatus,
    Review,
    ReviewAssignment,
    RubricCriterion,
    Submission,
)
from peerpact.roles.models import CircleRole, CycleSummary, RoleAssignment  # noqa: E402
from peerpact.roles.services import default_roles  # noqa: E402

COMMUNITY_SLUG = "bench-org"
ORGANIZER = "organizer@bench.example"
PASSWORD = "bench-pass"
TRACKER_SLUG = "tracker-circle"
TRACKER_MEMBERS = 8
MIN_SIZE, MAX_SIZE = 8, 12
BATCH = 2000
# The outbox keeps every reminder, nudge and digest of the last NOTICE_CYCLES cycles (what the
# notification centre shows and the scheduler's dedupe reads); older cycles keep "a cycle opened" only.
NOTICE_CYCLES = 6

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "UTC",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Europe/London",
]
FIRST_NAMES = [
    "Ada", "Bo", "Chen", "Dana", "Emeka", "Farah", "Gita", "Hugo", "Ines", "Jon", "Kemal", "Lena",
    "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wen", "Yara",
]  # fmt: skip
LAST_NAMES = [
    "Berg", "Costa", "Eze", "Fischer", "Haddad", "Kelly", "Levi", "Martín", "Nair", "Okafor",
    "Rojas", "Sharma", "Tanaka", "Wei", "Aydın", "Novak", "Silva", "Moreau", "Khan", "Dubois",
]  # fmt: skip
PURPOSES = [Purpose.WEEKLY_GOALS, Purpose.JOB_SEARCH, Purpose.STUDY, Purpose.SKILLS, Purpose.FITNESS]
GOALS = {
    Purpose.WEEKLY_GOALS: ("Launch my newsletter", "subscribers"),
    Purpose.JOB_SEARCH: ("Send tailored applications", "applications"),
    Purpose.STUDY: ("Finish the SQL course", "lessons"),
    Purpose.SKILLS: ("Practise public speaking", "talks"),
    Purpose.FITNESS: ("Run every week", "km"),
}
DONE_GOALS = ["Update my CV", "Book a mentor session", "Set up a weekly review", "Publish a portfolio"]
DEADLINE_TIMES = [time(18, 0), time(17, 0), time(20, 0), time(9, 0)]
WORKDAYS = ["MO", "TU", "WE", "TH", "FR"]
HELP = [
    "Could someone review my plan?",
    "Does anyone know a good resource for this?",
    "I'd love 15 minutes with someone who has done this before.",
]
SUMMARY = "Most of us kept our commitments this cycle. Wins: {wins}. Next: small steps, and ask early."
PULSE_TEXT = ["", "", "Shorter review sessions.", "More specific feedback.", "A later deadline."]


def _rng(seed: int, *parts: object) -> random.Random:
    """A generator of its own per circle and phase: circle 7's story is the same at every size."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


# --- the writer ----------------------------------------------------------------------------------


class Table:
    """One model's columns, defaults and value converters, and the rows waiting to be written."""

    def __init__(self, model: type[models.Model], vendor: str, now: datetime) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.defaults: dict[str, Any] = {}
        self.convert: list[Callable[[Any], Any] | None] = []
        for f in self.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif not f.primary_key:
                self.defaults[f.attname] = f.get_default()
            self.convert.append(_converter(f, vendor))
        self.rows: list[tuple[Any, ...]] = []
        self.next_id = 0
        self.count = 0


def _converter(f: models.Field, vendor: str) -> Callable[[Any], Any] | None:
    """Python value -> what the driver takes, as Django's get_db_prep_save would give it."""
    kind = f.get_internal_type()
    if kind == "JSONField":
        return lambda v: None if v is None else json.dumps(v)
    if vendor != "sqlite":
        return None  # psycopg's COPY adapts datetimes, dates, decimals, booleans itself
    if kind == "DateTimeField":
        return lambda v: None if v is None else str(v.astimezone(UTC).replace(tzinfo=None))
    if kind in ("DateField", "TimeField", "DecimalField"):
        return lambda v: None if v is None else str(v)
    return None


class Writer:
    """Rows with ids assigned here, written in batches (executemany on SQLite, COPY on PostgreSQL)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.vendor = connection.vendor
        self.tables: dict[type[models.Model], Table] = {}

    def add(self, model: type[models.Model], **values: Any) -> int:
        """Queue one row (attnames: `circle_id`, not `circle`); returns its id."""
        table = self.tables.get(model)
        if table is None:
            table = self.tables[model] = Table(model, self.vendor, self.now)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT MAX({model._meta.pk.column}) FROM {model._meta.db_table}")
                table.next_id = (cursor.fetchone()[0] or 0) + 1
        pk = values.get("id")
        if pk is None:
            pk = values["id"] = table.next_id
            table.next_id += 1
        defaults = table.defaults
        row = tuple(
            (values[a] if a in values else defaults[a])
            if conv is None
            else conv(values.get(a, defaults.get(a)))
            for a, conv in zip(table.attnames, table.convert, strict=True)
        )
        table.rows.append(row)
        table.count += 1
        if len(table.rows) >= BATCH:
            self._write(table)
        return pk

    def finish(self) -> dict[str, int]:
        """Write what is left; on PostgreSQL move the id sequences past the ids used here."""
        for table in self.tables.values():
            self._write(table)
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in self.tables.values():
                    name, pk = table.model._meta.db_table, table.model._meta.pk.column
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', '{pk}'), "
                        f'(SELECT COALESCE(MAX("{pk}"), 1) FROM "{name}"))'
                    )
        return {t.model._meta.label: t.count for t in self.tables.values()}

    def _write(self, table: Table) -> None:
        if not table.rows:
            return
        name = table.model._meta.db_table
        columns = ", ".join(f'"{c}"' for c in table.columns)
        connection.ensure_connection()
        raw = connection.connection
        if self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f'COPY "{name}" ({columns}) FROM STDIN') as copy:
                for row in table.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(table.columns))
            raw.cursor().executemany(f'INSERT INTO "{name}" ({columns}) VALUES ({marks})', table.rows)
        table.rows = []


# --- the schedule --------------------------------------------------------------------------------


@dataclass
class CycleRow:
    """A cycle's times (the attributes reminders.slots reads) and, once queued, its id."""

    index: int
    opens_at: datetime
    deadline_at: datetime
    grace_until: datetime
    closes_at: datetime
    id: int = 0


_deadline_cache: dict[tuple[Any, ...], tuple[date, list[CycleRow]]] = {}


def _spans(zone: str, weekday: str, at: time, weeks: int, now: datetime) -> tuple[date, list[CycleRow]]:
    """`weeks` started cycles whose last holds `now`, plus the one after; and the rhythm's start date.

    Deadlines come from the same rule the app expands (schedule.Rule), so cycles_ensure finds the
    rows it would have made and makes none.
    """
    key = (zone, weekday, at, weeks, now)
    if key not in _deadline_cache:
        tz = ZoneInfo(zone)
        rule = schedule.preset_rule(schedule.Preset.WEEKLY, weekdays=[weekday])
        probe = schedule.Rule(rule, (now - timedelta(weeks=weeks + 3)).date(), at, tz)
        deadlines = probe.between(now - timedelta(weeks=weeks + 2), now + timedelta(weeks=3))
        current = next(i for i, d in enumerate(deadlines) if d > now)
        chosen = deadlines[current - weeks : current + 3]  # D0 .. D(weeks+2)
        grace = timedelta(hours=24)
        spans = []
        for k in range(1, weeks + 2):
            t = schedule.cycle_times(chosen[k - 1], chosen[k], chosen[k + 1], grace)
            spans.append(CycleRow(k, t.opens_at, t.deadline_at, t.grace_until, t.closes_at))
        _deadline_cache[key] = (_local_date(chosen[0], tz), spans)
    starts_on, spans = _deadline_cache[key]
    return starts_on, [
        CycleRow(s.index, s.opens_at, s.deadline_at, s.grace_until, s.closes_at) for s in spans
    ]


# --- the story of one circle ---------------------------------------------------------------------


@dataclass
class Person:
    id: int
    email: str
    name: str


@dataclass
class Seat:
    user: Person
    role: str
    joined_at: datetime
    pause: tuple[int, int | None] | None = None  # cycle indices (1-based); None end: paused now
    paused_days: int | None = None  # a running pause ends this many days from today (None: open)
    drifter: bool = False
    membership_id: int = 0


@dataclass
class CheckinRow:
    id: int
    submitted_at: datetime
    visibility: str
    wins: str
    help_request: str


@dataclass
class CommitmentRow:
    id: int
    text: str
    status: str
    carried: bool


@dataclass
class Story:
    number: int
    circle_id: int
    slug: str
    name: str
    purpose: str
    allow_anonymous: bool
    tz: ZoneInfo
    starts_on: date
    weekday: str
    deadline_time: time
    has_review: bool
    cycles: list[CycleRow]
    seats: list[Seat]
    blackout_cycle: int | None
    checkins: dict[tuple[int, int], CheckinRow] = field(default_factory=dict)  # (seat, cycle index)
    goals: dict[int, int] = field(default_factory=dict)  # seat -> measured goal id
    commitments: dict[tuple[int, int], list[CommitmentRow]] = field(default_factory=dict)
    holders: dict[tuple[int, str], int] = field(default_factory=dict)  # (cycle index, role kind) -> seat

    @property
    def started(self) -> int:
        return len(self.cycles) - 1

    def submitted(self, seat_no: int, k: int) -> datetime | None:
        checkin = self.checkins.get((seat_no, k))
        return checkin.submitted_at if checkin else None

    def paused(self, seat_no: int, k: int) -> bool:
        pause = self.seats[seat_no].pause
        return pause is not None and pause[0] <= k and (pause[1] is None or k <= pause[1])

    def excused(self, seat_no: int, k: int) -> bool:
        """As selectors.grid decides: a blackout, a pause, or joined after the cycle opened."""
        joined_late = self.seats[seat_no].joined_at > self.cycles[k - 1].opens_at
        return k == self.blackout_cycle or joined_late or self.paused(seat_no, k)

    def state(self, seat_no: int, k: int, now: datetime) -> schedule.State | None:
        c = self.cycles[k - 1]
        if self.seats[seat_no].joined_at >= c.deadline_at:
            return None
        return schedule.member_state(
            times=schedule.CycleTimes(c.opens_at, c.deadline_at, c.grace_until, c.closes_at),
            submitted_at=self.submitted(seat_no, k),
            now=now,
            excused=self.excused(seat_no, k),
        )

    def finished(self, now: datetime) -> list[int]:
        return [c.index for c in self.cycles[: self.started] if c.grace_until <= now]


def _sizes(members: int, circles: int, rng: random.Random) -> list[int]:
    """Circle sizes: the tracker circle has 8; the rest 8-12 and summing to the members left."""
    rest, count = members - TRACKER_MEMBERS, circles - 1
    if count == 0:
        return [TRACKER_MEMBERS]
    if not MIN_SIZE * count <= rest <= MAX_SIZE * count:
        raise ValueError(f"{members} members do not fit {circles} circles of {MIN_SIZE}-{MAX_SIZE}")
    sizes = [rest // count + (1 if i < rest % count else 0) for i in range(count)]
    for _ in range(count * 2):
        i, j = rng.randrange(count), rng.randrange(count)
        if i != j and sizes[i] < MAX_SIZE and sizes[j] > MIN_SIZE:
            sizes[i] += 1
            sizes[j] -= 1
    return [TRACKER_MEMBERS, *sizes]


# --- the generator -------------------------------------------------------------------------------


def generate(
    *,
    size: str,
    seed: int = 7,
    now: datetime | None = None,
    manifest_path: Path | None = None,
    check: bool = True,
) -> dict[str, Any]:
    """Build the organization of `size` in the current database; write and return the manifest."""
    spec = SIZES[size]
    started = clock.perf_counter()
    now = now or timezone.now()
    if Community.objects.filter(slug=COMMUNITY_SLUG).exists():
        raise SystemExit(f"{COMMUNITY_SLUG} already exists in this database: use --fresh.")
    # Query logging (DEBUG) would keep every multi-megabyte batch in memory.
    with override_settings(DEBUG=False), transaction.atomic():
        w = Writer(now)
        facts = _build(spec, seed, now, w)
        counts = w.finish()
    elapsed = clock.perf_counter() - started
    manifest = _manifest(size, seed, now, facts, counts, elapsed)
    if check:
        manifest["checked"] = sanity_check(manifest)
    path = manifest_path or BENCH_DIR / f"manifest-{size}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest["manifest_path"] = str(path)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def _build(spec: Size, seed: int, now: datetime, w: Writer) -> dict[str, Any]:
    weeks = spec.weeks
    history_start = now - timedelta(weeks=weeks + 1, days=2)
    password = make_password(PASSWORD)  # once: every user shares the hash
    people = _rng(seed, "people")

    def person(email: str, name: str, zone: str, joined: datetime) -> Person:
        pk = w.add(User, email=email, display_name=name, password=password, timezone=zone, date_joined=joined)
        w.add(EmailAddress, user_id=pk, email=email, verified=True, primary=True)
        w.add(Preference, user_id=pk)
        return Person(pk, email, name)

    organizer = person(ORGANIZER, "Olivia Organizer", "Europe/London", history_start - timedelta(days=30))
    members = [
        person(
            f"member{n}@bench.example",
            f"{people.choice(FIRST_NAMES)} {people.choice(LAST_NAMES)} {n}",
            people.choice(ZONES),
            history_start - timedelta(days=people.randint(1, 20)),
        )
        for n in range(1, spec.members + 1)
    ]
    community_id = w.add(
        Community,
        name="Bench Org",
        slug=COMMUNITY_SLUG,
        description="A large organization generated for the benchmarks (bench/generate.py).",
        created_by_id=organizer.id,
        created_at=history_start - timedelta(days=30),
    )
    w.add(
        CommunityMembership,
        community_id=community_id,
        user_id=organizer.id,
        role=CommunityRole.OWNER,
        joined_at=history_start - timedelta(days=30),
    )
    for m in members:
        w.add(CommunityMembership, community_id=community_id, user_id=m.id, joined_at=history_start)

    stories = _circles(spec, seed, now, w, community_id, organizer, members)
    _seats(stories, w, now, organizer)
    _roles(stories, w)
    _checkins(stories, seed, w, now)
    _goals_and_commitments(stories, seed, w)
    _feedback(stories, seed, w, now)
    _summaries_and_pulses(stories, seed, w, now)
    _engagement(stories, w, now)
    _messages(stories, w, now)
    program = _program(stories, spec, seed, w, organizer, community_id, password, now)
    return {"community_id": community_id, "stories": stories, **program}


def _circles(
    spec: Size,
    seed: int,
    now: datetime,
    w: Writer,
    community_id: int,
    organizer: Person,
    members: list[Person],
) -> list[Story]:
    sizes = _sizes(spec.members, spec.circles, _rng(seed, "shape"))
    stories: list[Story] = []
    offset = 0
    for number, size in enumerate(sizes, start=1):
        rng = _rng(seed, number, "circle")
        tracker = number == 1
        zone = "Europe/Berlin" if tracker else rng.choice(ZONES)
        weekday = "FR" if tracker else rng.choice(WORKDAYS)
        at = time(18, 0) if tracker else rng.choice(DEADLINE_TIMES)
        starts_on, cycles = _spans(zone, weekday, at, spec.weeks, now)
        purpose = PURPOSES[(number - 1) % len(PURPOSES)]
        name = "Tracker circle" if tracker else f"Circle {number:04d} · {Purpose(purpose).label}"
        slug = TRACKER_SLUG if tracker else f"circle-{number:04d}"
        allow_anonymous = tracker or rng.random() < 0.5
        circle_id = w.add(
            Circle,
            community_id=community_id,
            name=name,
            slug=slug,
            purpose=purpose,
            description="Peers who keep each other to their weekly commitments.",
            charter=insights_demo.CHARTER,
            size_cap=MAX_SIZE,
            timezone=zone,
            visibility=Visibility.LISTED if rng.random() < 0.6 else Visibility.PRIVATE,
            join_policy=rng.choice([JoinPolicy.INVITE, JoinPolicy.REQUEST, JoinPolicy.OPEN]),
            status=CircleStatus.ACTIVE,
            pilot_tag="spring-pilot" if number % 5 == 0 else "",
            allow_anonymous_feedback=allow_anonymous,
            pulse_every_cycles=4,
            created_by_id=organizer.id,
            created_at=cycles[0].opens_at - timedelta(days=3),
        )
        seats = []
        weeks = spec.weeks
        for position, user in enumerate(members[offset : offset + size]):
            joined = cycles[0].opens_at - timedelta(days=1, hours=rng.randint(0, 72))
            seat = Seat(user, MemberRole.FACILITATOR if position == 1 else MemberRole.MEMBER, joined)
            plain = position >= 2  # the first (the benchmarks' member) and the facilitator stay regular
            if not tracker and plain and rng.random() < 0.04:
                seat.joined_at = cycles[weeks // 2].opens_at + timedelta(hours=rng.randint(1, 48))
            roll = rng.random()
            if plain and weeks >= 6 and roll < 0.03:
                seat.pause = (weeks - rng.randint(1, 3), None)
                seat.paused_days = rng.choice([None, 9 + rng.randint(0, 14)])
            elif plain and weeks >= 6 and roll < 0.09:
                first = rng.randint(2, weeks - 4)
                seat.pause = (first, first + rng.randint(0, 2))
            elif plain and weeks >= 6 and roll < 0.12:
                seat.drifter = True
            seats.append(seat)
        offset += size
        for c in cycles:
            c.id = w.add(
                Cycle,
                circle_id=circle_id,
                index=c.index,
                opens_at=c.opens_at,
                deadline_at=c.deadline_at,
                grace_until=c.grace_until,
                closes_at=c.closes_at,
            )
        stories.append(
            Story(
                number=number,
                circle_id=circle_id,
                slug=slug,
                name=name,
                purpose=purpose,
                allow_anonymous=allow_anonymous,
                tz=ZoneInfo(zone),
                starts_on=starts_on,
                weekday=weekday,
                deadline_time=at,
                has_review=rng.random() < 0.5,
                cycles=cycles,
                seats=seats,
                blackout_cycle=weeks * 3 // 5 if tracker or rng.random() < 0.3 else None,
            )
        )
    if offset != spec.members:
        raise AssertionError("every member sits in exactly one circle")
    return stories


def _seats(stories: list[Story], w: Writer, now: datetime, organizer: Person) -> None:
    """Rhythms, memberships (with pauses) and blackouts."""
    today = timezone.localdate(now)
    for story in stories:
        review_day = WORKDAYS[(WORKDAYS.index(story.weekday) + 1) % len(WORKDAYS)]
        w.add(
            Rhythm,
            circle_id=story.circle_id,
            preset=schedule.Preset.WEEKLY,
            starts_on=story.starts_on,
            deadline_rule=schedule.preset_rule(schedule.Preset.WEEKLY, weekdays=[story.weekday]),
            deadline_time=story.deadline_time,
            grace_hours=24,
            review_rule=f"FREQ=WEEKLY;BYDAY={review_day}" if story.has_review else "",
            review_location=f"https://meet.example.org/{story.slug}" if story.has_review else "",
            updated_by_id=story.seats[1].user.id,
            updated_at=story.cycles[0].opens_at,
        )
        for seat in story.seats:
            paused_now = seat.pause is not None and seat.pause[1] is None
            # A running pause ends after the open cycle's deadline in every zone (or is open-ended).
            until = today + timedelta(days=seat.paused_days) if paused_now and seat.paused_days else None
            changed = (
                story.cycles[seat.pause[0] - 2].deadline_at if seat.pause and paused_now else seat.joined_at
            )
            seat.membership_id = w.add(
                Membership,
                circle_id=story.circle_id,
                user_id=seat.user.id,
                role=seat.role,
                status=MembershipStatus.PAUSED if paused_now else MembershipStatus.ACTIVE,
                paused_until=until,
                charter_accepted_at=seat.joined_at,
                invited_by_id=organizer.id,
                created_at=seat.joined_at - timedelta(hours=2),
                status_changed_at=changed,
                joined_at=seat.joined_at,
            )
            if seat.pause is not None:
                first, last = seat.pause
                # From the day after the previous deadline to the last covered deadline (circle's dates).
                w.add(
                    Pause,
                    membership_id=seat.membership_id,
                    starts_on=_local_date(story.cycles[first - 2].deadline_at, story.tz) + timedelta(days=1),
                    ends_on=_local_date(story.cycles[last - 1].deadline_at, story.tz) if last else until,
                    reason="Travelling" if last else "Family matters",
                    created_by_id=seat.user.id,
                    created_at=story.cycles[first - 2].opens_at,
                )
        if story.blackout_cycle:
            day = _local_date(story.cycles[story.blackout_cycle - 1].deadline_at, story.tz)
            w.add(Blackout, circle_id=story.circle_id, starts_on=day, ends_on=day, reason="Holiday")


def _roles(stories: list[Story], w: Writer) -> None:
    """The three standard roles, handed round every started cycle (skipping paused and later joiners)."""
    kinds = [(str(kind), str(name), str(duties)) for kind, name, duties in default_roles()]
    for story in stories:
        roles = [
            (
                kind,
                w.add(
                    CircleRole,
                    circle_id=story.circle_id,
                    kind=kind,
                    name=name,
                    duties=duties,
                    position=position,
                    created_at=story.cycles[0].opens_at,
                ),
            )
            for position, (kind, name, duties) in enumerate(kinds, start=1)
        ]
        for cycle in story.cycles[: story.started]:
            k = cycle.index
            eligible = [
                i
                for i, seat in enumerate(story.seats)
                if seat.joined_at <= cycle.opens_at and not story.paused(i, k)
            ]
            for r, (kind, role_id) in enumerate(roles):
                if not eligible:
                    break
                holder = eligible[(k * len(roles) + r) % len(eligible)]
                story.holders[(k, kind)] = holder
                w.add(
                    RoleAssignment,
                    role_id=role_id,
                    cycle_id=cycle.id,
                    membership_id=story.seats[holder].membership_id,
                    assigned_at=cycle.opens_at,
                    notified_at=cycle.opens_at + timedelta(minutes=1),
                )


def _checkins(stories: list[Story], seed: int, w: Writer, now: datetime) -> None:
    """About 80% of check-ins in: mostly on time, some late, misses, pauses, drifters, drafts."""
    for story in stories:
        rng = _rng(seed, story.number, "checkins")
        current = story.started
        finished = story.finished(now)
        drift_from = finished[-3] if len(finished) >= 3 else current + 1
        for i, seat in enumerate(story.seats):
            forced = story.number == 1 and i == 0  # the benchmarks' member: in last cycle, due now
            for cycle in story.cycles[:current]:
                k = cycle.index
                if seat.joined_at >= cycle.deadline_at or (seat.drifter and k >= drift_from):
                    continue
                roll = rng.random()
                excused = story.excused(i, k)
                if excused and roll < 0.9:
                    continue  # paused, blacked out or just joined: mostly silent
                if forced and k == current:
                    continue
                if forced and k == current - 1:
                    roll = 0.5
                if roll < 0.78 or excused:
                    at = cycle.deadline_at - timedelta(minutes=rng.randint(30, 96 * 60))
                elif roll < 0.86:
                    grace = int((cycle.grace_until - cycle.deadline_at).total_seconds() // 60)
                    at = cycle.deadline_at + timedelta(minutes=rng.randint(15, max(16, grace - 15)))
                else:
                    continue  # missed
                at = max(at, cycle.opens_at + timedelta(minutes=10))
                visibility = (
                    CheckinVisibility.FACILITATORS if rng.random() < 0.04 else CheckinVisibility.CIRCLE
                )
                wins = rng.choice(demo_history.WINS) if rng.random() < 0.85 else ""
                blockers = rng.choice(demo_history.BLOCKERS)
                help_request = rng.choice(HELP) if rng.random() < 0.07 else ""
                confidence = rng.randint(1, 5) if rng.random() < 0.9 else None
                edited = rng.random() < 0.08
                if at > now:
                    if k == current and not forced and rng.random() < 0.15:  # typed, not sent yet
                        w.add(
                            Checkin,
                            membership_id=seat.membership_id,
                            cycle_id=cycle.id,
                            draft={"wins": wins, "blockers": blockers},
                            draft_saved_at=now - timedelta(minutes=rng.randint(5, 600)),
                            created_at=now - timedelta(hours=12),
                            updated_at=now - timedelta(hours=12),
                        )
                    continue
                pk = w.add(
                    Checkin,
                    membership_id=seat.membership_id,
                    cycle_id=cycle.id,
                    submitted_at=at,
                    version=2 if edited else 1,
                    wins=wins,
                    blockers=blockers,
                    help_request=help_request,
                    confidence=confidence,
                    visibility=visibility,
                    created_at=at,
                    updated_at=min(at + timedelta(hours=rng.randint(1, 20)), now) if edited else at,
                )
                story.checkins[(i, k)] = CheckinRow(pk, at, visibility, wins, help_request)


def _goals_and_commitments(stories: list[Story], seed: int, w: Writer) -> None:
    """A measured goal each (some a done/not-done one too), its progress per check-in, and the
    commitments made in each check-in for the next cycle, resolved by that cycle's check-in."""
    for story in stories:
        rng = _rng(seed, story.number, "goals")
        title, unit = GOALS[Purpose(story.purpose)]
        start_day = _local_date(story.cycles[0].opens_at, story.tz)
        for i, seat in enumerate(story.seats):
            target = Decimal(rng.choice([20, 40, 60, 100]))
            goal_id = story.goals[i] = w.add(
                Goal,
                membership_id=seat.membership_id,
                title=title,
                why="It matters for where I want to be next year.",
                direction=Direction.INCREASE,
                unit=unit,
                baseline=Decimal(0),
                target=target,
                starts_on=start_day,
                due_on=start_day + timedelta(weeks=60),
                created_at=seat.joined_at + timedelta(hours=1),
            )
            for position, name in enumerate(("Plan", "Halfway", "Done"), start=1):
                done = position == 1 and rng.random() < 0.6
                w.add(
                    Milestone,
                    goal_id=goal_id,
                    title=name,
                    position=position,
                    due_on=start_day + timedelta(weeks=20 * position),
                    done_at=seat.joined_at + timedelta(weeks=rng.randint(2, 8)) if done else None,
                )
            if rng.random() < 0.3:
                achieved = rng.random() < 0.5
                w.add(
                    Goal,
                    membership_id=seat.membership_id,
                    title=rng.choice(DONE_GOALS),
                    direction=Direction.DONE,
                    starts_on=start_day,
                    due_on=start_day + timedelta(weeks=30),
                    status=GoalStatus.ACHIEVED if achieved else GoalStatus.ACTIVE,
                    achieved_at=seat.joined_at + timedelta(weeks=rng.randint(3, 20)) if achieved else None,
                    visibility="private" if rng.random() < 0.2 else "circle",
                    created_at=seat.joined_at + timedelta(hours=2),
                )
            value = Decimal(0)
            for k in range(1, story.started + 1):
                at = story.submitted(i, k)
                if at is None:
                    continue
                value = min(value + Decimal(rng.randint(0, 3)) * target / Decimal(40), target)
                w.add(
                    GoalProgress,
                    goal_id=goal_id,
                    cycle_id=story.cycles[k - 1].id,
                    value=value.quantize(Decimal("0.01")),
                    recorded_at=at,
                )
                for text in rng.sample(demo_history.PROMISES, rng.randint(1, 2)):
                    _commitment(w, story, i, k + 1, text, rng)
        # Unfinished ones carried into the cycle after, pointing back at the original (once).
        carry = _rng(seed, story.number, "carry")
        for (i, k), items in list(story.commitments.items()):
            if k + 1 > len(story.cycles):
                continue
            for item in list(items):
                unfinished = item.status in (CommitmentStatus.PARTIAL, CommitmentStatus.MISSED)
                if not item.carried and unfinished and carry.random() < 0.5:
                    _commitment(w, story, i, k + 1, item.text, carry, origin=item.id)


def _commitment(
    w: Writer, story: Story, i: int, k: int, text: str, rng: random.Random, origin: int | None = None
) -> None:
    """A commitment due in cycle k, resolved by that cycle's check-in when there is one (else open)."""
    reviewed_at = story.submitted(i, k)
    status = CommitmentStatus.OPEN
    if reviewed_at is not None:
        status = rng.choices(
            [CommitmentStatus.DONE, CommitmentStatus.PARTIAL, CommitmentStatus.MISSED], weights=[60, 22, 18]
        )[0]
    pk = w.add(
        Commitment,
        membership_id=story.seats[i].membership_id,
        cycle_id=story.cycles[k - 1].id,
        goal_id=story.goals[i],
        text=text,
        quantity=Decimal(rng.randint(1, 3)) if rng.random() < 0.3 else None,
        status=status,
        note="Ran out of time." if status == CommitmentStatus.PARTIAL and rng.random() < 0.3 else "",
        carried_from_id=origin,
        created_at=story.submitted(i, k - 1) or story.cycles[k - 1].opens_at,
        resolved_at=reviewed_at,
    )
    story.commitments.setdefault((i, k), []).append(CommitmentRow(pk, text, status, origin is not None))


def _feedback(stories: list[Story], seed: int, w: Writer, now: datetime) -> None:
    """Comments, guided feedback (some anonymous), kudos, help offers and resolutions."""
    reactions = list(Reaction.values)
    for story in stories:
        rng = _rng(seed, story.number, "feedback")
        for (i, k), checkin in story.checkins.items():
            if checkin.visibility != CheckinVisibility.CIRCLE:
                continue
            at = checkin.submitted_at
            owner = story.seats[i].user.id
            peers = [s.user.id for j, s in enumerate(story.seats) if j != i and s.joined_at < at]
            if not peers:
                continue
            if rng.random() < 0.3:
                for _n in range(rng.randint(1, 2)):
                    w.add(
                        Comment,
                        checkin_id=checkin.id,
                        author_id=rng.choice(peers),
                        body=rng.choice(feedback_demo.COMMENTS),
                        created_at=min(at + timedelta(hours=rng.randint(1, 30)), now),
                    )
                if rng.random() < 0.25:
                    w.add(
                        Comment,
                        checkin_id=checkin.id,
                        author_id=owner,
                        body="Thank you, that helps!",
                        created_at=min(at + timedelta(hours=31), now),
                    )
            if rng.random() < 0.1:
                helpful = rng.random() < 0.4
                w.add(
                    Feedback,
                    checkin_id=checkin.id,
                    author_id=rng.choice(peers),
                    worked=rng.choice(feedback_demo.WORKED),
                    suggestion=rng.choice(feedback_demo.SUGGESTIONS),
                    question=rng.choice(feedback_demo.QUESTIONS) if rng.random() < 0.4 else "",
                    anonymous=story.allow_anonymous and rng.random() < 0.25,
                    helpful_at=min(at + timedelta(hours=8), now) if helpful else None,
                    created_at=min(at + timedelta(hours=4), now),
                )
            if rng.random() < 0.4:
                for author in rng.sample(peers, min(len(peers), rng.randint(1, 3))):
                    w.add(
                        Kudos,
                        circle_id=story.circle_id,
                        author_id=author,
                        target_kind=KudosTarget.CHECKIN,
                        target_id=checkin.id,
                        reaction=rng.choice(reactions),
                        created_at=min(at + timedelta(hours=rng.randint(1, 48)), now),
                    )
            if checkin.help_request:
                if rng.random() < 0.65:
                    w.add(
                        HelpOffer,
                        checkin_id=checkin.id,
                        helper_id=rng.choice(peers),
                        message=rng.choice(feedback_demo.OFFERS),
                        created_at=min(at + timedelta(hours=3), now),
                    )
                if k <= story.started - 2 and rng.random() < 0.7:
                    w.add(
                        HelpResolution,
                        checkin_id=checkin.id,
                        resolved_by_id=owner,
                        resolved_at=min(at + timedelta(days=2), now),
                        note="A call with a peer sorted it out.",
                    )


def _summaries_and_pulses(stories: list[Story], seed: int, w: Writer, now: datetime) -> None:
    """Published summaries for most finished cycles (always the latest); a pulse every 4th cycle."""
    for story in stories:
        rng = _rng(seed, story.number, "summaries")
        finished = story.finished(now)
        for k in finished:
            if k != finished[-1] and rng.random() > 0.6:
                continue
            cycle = story.cycles[k - 1]
            holder = story.holders.get((k, "summarizer"), 1)
            wins = [c.wins for (_i, kk), c in story.checkins.items() if kk == k and c.wins][:3]
            published = min(cycle.grace_until + timedelta(hours=rng.randint(1, 48)), now)
            w.add(
                CycleSummary,
                cycle_id=cycle.id,
                author_id=story.seats[holder].user.id,
                text=SUMMARY.format(wins="; ".join(wins) or "a quiet week"),
                published_at=published,
                created_at=published - timedelta(hours=1),
                updated_at=published,
            )
        for k in range(4, story.started + 1, 4):  # Circle.pulse_every_cycles
            cycle = story.cycles[k - 1]
            if cycle.deadline_at > now:
                continue
            pulse_id = w.add(
                Pulse,
                circle_id=story.circle_id,
                cycle_id=cycle.id,
                opens_at=cycle.deadline_at,
                closes_at=cycle.deadline_at + PULSE_OPEN_FOR,
                created_at=cycle.deadline_at,
            )
            answers = _rng(seed, story.number, "pulse", k)
            for i, seat in enumerate(story.seats):
                if seat.joined_at > cycle.deadline_at or story.excused(i, k) or answers.random() > 0.7:
                    continue
                at = min(cycle.deadline_at + timedelta(hours=answers.randint(1, 100)), now)
                w.add(
                    PulseAnswer,
                    pulse_id=pulse_id,
                    membership_id=seat.membership_id,
                    safe=answers.randint(3, 5),
                    checkins=answers.randint(2, 5),
                    feedback=answers.randint(2, 5),
                    rhythm=answers.randint(1, 5),
                    open_answer=answers.choice(PULSE_TEXT),
                    submitted_at=at,
                    updated_at=at,
                )


def _engagement(stories: list[Story], w: Writer, now: datetime) -> None:
    """The ladder has scanned every finished cycle; drifters (three misses in a row) are at step 2."""
    for story in stories:
        finished = story.finished(now)
        for k in finished:
            cycle = story.cycles[k - 1]
            w.add(LadderScan, cycle_id=cycle.id, scanned_at=cycle.grace_until + timedelta(minutes=1))
        if len(finished) < 3:
            continue
        for i, seat in enumerate(story.seats):
            if not seat.drifter:
                continue
            peer = next((s.user.id for j, s in enumerate(story.seats) if j != i and not s.drifter), None)
            w.add(
                ReengagementCase,
                membership_id=seat.membership_id,
                started_cycle_id=story.cycles[finished[-3] - 1].id,
                step=2,
                step_at=story.cycles[finished[-1] - 1].grace_until + timedelta(minutes=1),
                last_cycle_index=finished[-1],
                peer_id=peer,
                created_at=story.cycles[finished[-2] - 1].grace_until + timedelta(minutes=1),
            )


def _messages(stories: list[Story], w: Writer, now: datetime) -> None:
    """The outbox as the worker left it: "cycle opened" for every cycle; reminders, nudges and digests
    (in-app and email, as reminders_schedule makes them) for the last NOTICE_CYCLES. All sent; in-app
    notices older than three days read, the newer ones unread."""

    def message(
        user: int, channel: str, kind: str, template: str, context: Any, key: str, url: str, due: datetime
    ) -> None:
        sent_at = min(due + timedelta(seconds=40), now)
        read = channel == Channel.INAPP and now - due > timedelta(days=3)
        w.add(
            Message,
            recipient_id=user,
            channel=channel,
            kind=kind,
            template=template,
            context=context,
            url=url,
            dedupe_key=f"{key}:{channel}",
            due_at=due,
            state=MessageState.SENT,
            attempts=1,
            sent_at=sent_at,
            read_at=sent_at + timedelta(hours=6) if read else None,
            created_at=due,
        )

    for story in stories:
        board = reverse("checkins:board", kwargs={"community": COMMUNITY_SLUG, "circle": story.slug})
        root = board.removesuffix("board/")
        recent = story.started - NOTICE_CYCLES
        for cycle in story.cycles[: story.started]:
            k = cycle.index
            if k == story.blackout_cycle:
                continue  # no reminders for a blacked-out deadline
            common = {
                "title": story.name,
                "circle": story.name,
                "cycle": k,
                "deadline": cycle.deadline_at.isoformat(),
                "grace_until": cycle.grace_until.isoformat(),
            }
            channels = (Channel.INAPP,) if k <= recent else (Channel.INAPP, Channel.EMAIL)
            for slot in reminder_slots(cycle):  # type: ignore[arg-type]
                if slot.due_at > now or (k <= recent and slot.key != "opened"):
                    continue
                for i, seat in enumerate(story.seats):
                    if seat.joined_at > slot.due_at or story.paused(i, k):
                        continue
                    submitted = story.submitted(i, k)
                    if slot.needs_silence and submitted is not None and submitted <= slot.due_at:
                        continue
                    context = common
                    if slot.key == "opened":
                        promised = story.commitments.get((i, k), [])
                        context = {**common, "commitments": [c.text for c in promised][:10]}
                    key = f"checkin:{seat.membership_id}:{cycle.id}:{slot.key}"
                    for channel in channels:
                        message(
                            seat.user.id,
                            channel,
                            slot.kind,
                            slot.template,
                            context,
                            key,
                            f"{root}checkin/{k}/",
                            slot.due_at,
                        )
            if k <= recent or cycle.grace_until > now:
                continue
            people = []
            readers = []
            for i, seat in enumerate(story.seats):
                state = story.state(i, k, cycle.grace_until)
                if state is None:
                    continue
                checkin = story.checkins.get((i, k))
                shared = checkin if checkin and checkin.visibility == CheckinVisibility.CIRCLE else None
                people.append(
                    {
                        "name": seat.user.name,
                        "state": str(state),
                        "wins": shared.wins if shared else "",
                        "help": shared.help_request if shared else "",
                    }
                )
                if not story.paused(i, k):
                    readers.append(seat)
            digest = {
                "title": story.name,
                "circle": story.name,
                "cycle": k,
                "people": people,
                "checked_in": sum(1 for p in people if p["state"] in ("on_time", "late")),
                "members": len(people),
            }
            for seat in readers:
                for channel in (Channel.INAPP, Channel.EMAIL):
                    message(
                        seat.user.id,
                        channel,
                        "circle.digest",
                        "emails/circle_digest",
                        digest,
                        f"digest:{seat.membership_id}:{cycle.id}",
                        f"{board}?cycle={k}",
                        cycle.grace_until,
                    )


def _program(
    stories: list[Story],
    spec: Size,
    seed: int,
    w: Writer,
    organizer: Person,
    community_id: int,
    password: str,
    now: datetime,
) -> dict[str, Any]:
    """One published three-module program and a cohort five weeks in (module 1 done, 2 in review, 3 ahead)."""
    rng = _rng(seed, "program")
    start = datetime.combine((now - timedelta(days=35)).date(), time(9, 0), tzinfo=UTC)
    program_id = w.add(
        Program,
        community_id=community_id,
        title="Lead with feedback",
        slug="lead-with-feedback",
        description="Three short modules on asking for, giving and keeping up feedback.",
        status=ProgramStatus.PUBLISHED,
        created_by_id=organizer.id,
        published_at=start - timedelta(days=7),
        created_at=start - timedelta(days=10),
    )
    # Unsaved model objects only for their date arithmetic (Cohort.due_at, followup_at).
    modules = [Module(position=n, **fields) for n, fields in enumerate(programs_demo.MODULES, start=1)]
    criteria: dict[int, list[int]] = {}
    for module in modules:
        module.pk = w.add(
            Module,
            program_id=program_id,
            **{
                f.attname: getattr(module, f.attname)
                for f in Module._meta.concrete_fields
                if f.attname not in ("id", "program_id")
            },
        )
        criteria[module.pk] = [
            w.add(RubricCriterion, module_id=module.pk, position=p, name=name, levels=levels)
            for p, (name, levels) in enumerate(programs_demo.LEVELS.items(), start=1)
        ]
    cohort = Cohort(name="Spring cohort", starts_on=start.date(), timezone="UTC")
    cohort.pk = w.add(
        Cohort,
        program_id=program_id,
        name=cohort.name,
        starts_on=cohort.starts_on,
        timezone=cohort.timezone,
        status=CohortStatus.RUNNING,
        created_at=start,
    )
    # Learners: the plain members of the first circles; community members without a circle when
    # the circles run out (the demo size has more learners than circle members).
    learners: list[tuple[int, int | None]] = []
    for story in stories:
        if len(learners) >= spec.learners:
            break
        w.add(Cohort.huddles.through, cohort_id=cohort.pk, circle_id=story.circle_id)
        for seat in story.seats:
            if seat.role == MemberRole.MEMBER and len(learners) < spec.learners:
                learners.append((seat.user.id, story.circle_id))
    for n in range(1, spec.learners - len(learners) + 1):
        email = f"learner{n}@bench.example"
        joined = start - timedelta(days=3)
        pk = w.add(User, email=email, display_name=f"Learner {n}", password=password, date_joined=joined)
        w.add(EmailAddress, user_id=pk, email=email, verified=True, primary=True)
        w.add(Preference, user_id=pk)
        w.add(CommunityMembership, community_id=community_id, user_id=pk, joined_at=joined)
        learners.append((pk, None))
    first, second, third = modules
    shared: dict[int, list[tuple[int, int]]] = {first.pk: [], second.pk: []}  # module -> (submission, user)
    enrollments: dict[int, int] = {}
    for n, (user_id, circle_id) in enumerate(learners):
        enrollment = enrollments[user_id] = w.add(
            Enrollment, cohort_id=cohort.pk, user_id=user_id, circle_id=circle_id, enrolled_at=start
        )
        for module, viewed, submitted in ((first, 0.9, 0.8), (second, 0.7, 0.6), (third, 0.2, 0.0)):
            if rng.random() >= viewed:
                continue
            w.add(
                ModuleView,
                enrollment_id=enrollment,
                module_id=module.pk,
                first_viewed_at=start + timedelta(hours=5 + n % 48),
            )
            if rng.random() < submitted / viewed:
                due = cohort.due_at(module)
                at = min(due - timedelta(hours=rng.randint(2, 120)), now)
                submission = w.add(
                    Submission,
                    enrollment_id=enrollment,
                    module_id=module.pk,
                    text=rng.choice(programs_demo.TEXTS),
                    submitted_at=at,
                    updated_at=at,
                    allocated_at=due if module is first else now - timedelta(days=1),
                )
                shared[module.pk].append((submission, user_id))
    # Peer review: each submission to the next two submitters of the module (never oneself).
    for module in (first, second):
        own = shared[module.pk]
        assigned = cohort.due_at(module) if module is first else now - timedelta(days=1)
        for n, (submission, _author) in enumerate(own):
            for step in (1, 2):
                if len(own) <= step:
                    continue
                done = module is first or rng.random() < 0.5
                completed = min(assigned + timedelta(hours=rng.randint(4, 90)), now) if done else None
                assignment = w.add(
                    ReviewAssignment,
                    submission_id=submission,
                    reviewer_id=own[(n + step) % len(own)][1],
                    assigned_at=assigned,
                    due_at=assigned + timedelta(days=module.review_days),
                    started_at=completed,
                    completed_at=completed,
                )
                if completed is None:
                    continue
                rated = rng.random() < 0.6
                w.add(
                    Review,
                    assignment_id=assignment,
                    scores={str(c): rng.randint(1, 3) for c in criteria[module.pk]},
                    feedback=rng.choice(programs_demo.FEEDBACK),
                    submitted_at=completed,
                    helpful=rng.randint(3, 5) if rated else None,
                    rated_at=min(completed + timedelta(hours=5), now) if rated else None,
                )
    # Module 1's follow-up has been asked of everyone who shared an action; most answered.
    asked = cohort.followup_at(first)
    if asked <= now:
        for n, (submission, author) in enumerate(shared[first.pk]):
            answered = rng.random() < 0.6
            applied = rng.choice(["yes", "partly", "no"]) if answered else ""
            w.add(
                FollowUp,
                enrollment_id=enrollments[author],
                module_id=first.pk,
                due_at=asked,
                answered_at=min(asked + timedelta(days=1), now) if answered else None,
                applied=applied,
                how=programs_demo.HOW[applied] if answered else "",
            )
            if n < 3:
                w.add(
                    Highlight,
                    submission_id=submission,
                    chosen_by_id=organizer.id,
                    note="A clear, concrete action.",
                    created_at=asked,
                )
    return {"program_id": program_id, "cohort_id": cohort.pk}


# --- manifest and sanity check ---------------------------------------------------------------------


def _manifest(
    size: str, seed: int, now: datetime, facts: dict[str, Any], counts: dict[str, int], elapsed: float
) -> dict[str, Any]:
    tracker: Story = facts["stories"][0]
    member = tracker.seats[0]
    current = tracker.cycles[tracker.started - 1]
    base = reverse("checkins:board", kwargs={"community": COMMUNITY_SLUG, "circle": TRACKER_SLUG})
    base = base.removesuffix("board/")
    due = [c.id for c in tracker.commitments.get((0, current.index), [])]
    goal = tracker.goals[0]
    circle_id, community_id, cohort_id = tracker.circle_id, facts["community_id"], facts["cohort_id"]
    return {
        "size": size,
        "seed": seed,
        "generated_at": now.isoformat(),
        "database": {"vendor": connection.vendor, "name": str(settings.DATABASES["default"]["NAME"])},
        "community": COMMUNITY_SLUG,
        "community_id": community_id,
        "organizer": ORGANIZER,
        "password": PASSWORD,
        "tracker_circle": {
            "slug": TRACKER_SLUG,
            "id": circle_id,
            "members": len(tracker.seats),
            "started_cycles": tracker.started,
            "current_cycle_index": current.index,
        },
        "member": member.user.email,
        "member_membership_id": member.membership_id,
        "facilitator": tracker.seats[1].user.email,
        "program_id": facts["program_id"],
        "cohort_id": cohort_id,
        "urls": {
            "home": reverse("home"),
            "board": f"{base}board/",
            "tracker": f"{base}tracker/",
            "tracker_all_cycles": f"{base}tracker/?from=1&to={tracker.started}",
            "checkin_form": f"{base}checkin/{current.index}/",
            "dashboard": reverse("dashboard:overview", kwargs={"slug": COMMUNITY_SLUG}),
            "api": [
                f"/api/v1/circles/{circle_id}/checkins",
                f"/api/v1/circles/{circle_id}/goals",
                f"/api/v1/circles/{circle_id}/commitments",
                f"/api/v1/circles/{circle_id}/wins",
                f"/api/v1/communities/{community_id}/circles",
                "/api/v1/me/notifications",
                f"/api/v1/cohorts/{cohort_id}/submissions",
            ],
        },
        "checkin_form": {
            "url": f"{base}checkin/{current.index}/",
            "cycle_index": current.index,
            "deadline_at": current.deadline_at.isoformat(),
            # GET the form first: `version` must echo the saved one (0 before the first submit), or
            # the POST is refused as a stale edit (409). Success is a 302 to the board.
            "fields": {
                "wins": "text",
                "blockers": "text",
                "help_request": "text",
                "confidence": "1-5 or empty",
                "visibility": "circle | facilitators",
                "version": "hidden int",
                f"g{goal}": "decimal: the goal's current number",
                **{f"c{pk}_status": "done | partial | missed (a commitment due this cycle)" for pk in due},
                "n0_text": "a new commitment for the next cycle (also n1_, n2_)",
                "n0_goal": f"goal id or empty, e.g. {goal}",
                "n0_quantity": "decimal or empty",
            },
        },
        "counts": dict(sorted(counts.items())),
        "total_rows": sum(counts.values()),
        "elapsed_seconds": round(elapsed, 2),
    }


def sanity_check(manifest: dict[str, Any]) -> dict[str, float]:
    """Load the key pages and API lists as the manifest's people; every one must answer 200.
    Returns the seconds each took (one cold request: a smoke signal, not a benchmark).

    Also proves the schedule is consistent: no page load creates a cycle (cycles_ensure finds the rows).
    """
    from django.test import Client

    cycles_before = Cycle.objects.count()
    member = Client()
    member.force_login(User.objects.get(email=manifest["member"]))
    organizer = Client()
    organizer.force_login(User.objects.get(email=manifest["organizer"]))
    urls = manifest["urls"]
    plan = [
        (member, urls["home"]),
        (member, urls["board"]),
        (member, urls["tracker"]),
        (member, urls["tracker_all_cycles"]),
        (member, urls["checkin_form"]),
        (organizer, urls["dashboard"]),
        *((member, url) for url in urls["api"]),
    ]
    results = {}
    with override_settings(ALLOWED_HOSTS=["testserver", *settings.ALLOWED_HOSTS]):
        for client, url in plan:
            began = clock.perf_counter()
            status = client.get(url, secure=settings.SECURE_SSL_REDIRECT).status_code
            results[url] = round(clock.perf_counter() - began, 3)
            if status != 200:
                raise AssertionError(f"{url} answered {status}")
    if Cycle.objects.count() != cycles_before:
        raise AssertionError("a page created cycles: the generated schedule does not match the rhythm")
    return results


# --- command line ------------------------------------------------------------------------------------


def _fresh() -> None:
    """An empty, migrated database."""
    from django.core.management import call_command

    if connection.vendor == "sqlite":
        name = Path(str(settings.DATABASES["default"]["NAME"]))
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
    else:
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="start from an empty, migrated database")
    parser.add_argument("--no-check", action="store_true", help="skip loading the pages afterwards")
    parser.add_argument("--manifest", type=Path, help="where to write the manifest (default var/bench/…)")
    args = parser.parse_args(argv)
    began = clock.perf_counter()
    if args.fresh:
        _fresh()
    prepared = clock.perf_counter() - began
    manifest = generate(size=args.size, seed=args.seed, check=not args.no_check, manifest_path=args.manifest)
    from bench.machine import describe

    print(describe())
    print(f"size {args.size}, seed {args.seed}, {connection.vendor} {manifest['database']['name']}")
    rows, seconds = manifest["total_rows"], manifest["elapsed_seconds"]
    print(f"fresh database: {prepared:.1f} s; generated {rows:,} rows in {seconds} s")
    print("| model | rows |\n|---|---:|")
    for label, count in manifest["counts"].items():
        print(f"| {label} | {count:,} |")
    if "checked" in manifest:
        print(f"pages checked: {len(manifest['checked'])}, all 200; one cold request each:")
        for url, took in manifest["checked"].items():
            print(f"  {took:8.2f} s  {url}")
    print(manifest["manifest_path"])
    return manifest


if __name__ == "__main__":
    main()
