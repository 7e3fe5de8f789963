"""The worker at scale on PostgreSQL: one reminder-scheduler pass, and outbox delivery throughput.

Usage: DATABASE_URL=postgres://peerpact:peerpact@127.0.0.1:5432/peerpact_bench_worker \\
       .tools/bin/uv run --no-sync python -m bench.worker [--members 100000] [--quick]

The database named in DATABASE_URL is created if the role may, migrated, and emptied of the tables this
benchmark fills (it is a throwaway database: never point it at real data).

1. Scheduler: members in circles of 10 across 24 time zones, each circle on a weekly rhythm whose UTC
   deadline falls in one two-hour band, so at the measured moment every circle's "2 h before the
   deadline" reminder is due. 30% of the members already checked in, 2% are paused, one circle in 50
   has a blackout, 5% muted reminder emails. One pass of `checkins.reminders.reminders_schedule` is
   timed (ms per 1,000 members, queries, reminders and messages created), then a second pass (it must
   create nothing). Query counts are taken at a tenth of the size and at the full size.
2. Delivery: N due in-app messages (the channel that sends nothing: delivery is the mark) go through
   1, 2 and 4 real `manage.py worker --once` processes; in the same run a raw batched
   `SELECT … FOR UPDATE SKIP LOCKED LIMIT 50` + `UPDATE` loop in psycopg drains an identical copy of
   the table with the same process counts. Claims/s and ours/raw; then every row is checked: sent
   exactly once (state `sent`, claimed once). An email round (Django's locmem backend: rendered, not
   sent) at 2 processes is shown for scale, with its Message-IDs checked for repeats.

Medians of 5 runs (3 with --quick). Prints a markdown table with the machine and versions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
os.environ.setdefault("DEBUG", "true")  # the worker does not depend on it; a DEBUG=false run needs secrets

import django

ROOT = Path(__file__).resolve().parents[1]

# 24 zones, one per UTC offset from -11 to +12 (in March: some on daylight time, all still distinct).
ZONES = [
    "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles",
    "America/Denver", "America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo",
    "Atlantic/South_Georgia", "Atlantic/Azores", "Europe/London", "Europe/Paris", "Europe/Athens",
    "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai",
    "Asia/Tokyo", "Australia/Brisbane", "Pacific/Noumea", "Pacific/Auckland",
]  # fmt: skip
CIRCLE_SIZE = 10
# The measured moment; every current cycle's deadline lies in [BAND, BAND + 2 h).
BAND = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
MOMENT = BAND + timedelta(minutes=50)
WEEK = timedelta(days=7)
BATCH = 50  # the raw loop claims as many rows per transaction as the outbox does (outbox.BATCH)


@dataclass
class Expected:
    members: int = 0
    due: int = 0  # members owed the 2 h reminder at MOMENT
    messages: int = 0  # outbox rows those reminders make (in-app + email unless muted)
    circles: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Scheduler data, in bulk


def scheduler_build(members: int, *, tag: str, expected: Expected | None = None) -> Expected:
    """Add `members` members (circles of 10) due for their 2 h reminder at MOMENT. Deterministic."""
    from django.contrib.auth.hashers import make_password

    from peerpact.accounts.models import User
    from peerpact.checkins.models import Blackout, Checkin, Cycle, Pause, Rhythm
    from peerpact.circles.models import Circle, Membership, MembershipStatus
    from peerpact.communities.models import Community
    from peerpact.notifications.models import Preference

    expected = expected or Expected()
    unusable = make_password(None)
    community = Community.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    circles_count = max(1, members // CIRCLE_SIZE)
    circles = Circle.objects.bulk_create(
        Circle(
            community=community,
            name=f"Circle {tag}-{c}",
            slug=f"c{c}",
            timezone=ZONES[c % len(ZONES)],
        )
        for c in range(circles_count)
    )
    rhythms, cycles = [], []
    for c, circle in enumerate(circles):
        zone = ZoneInfo(circle.timezone)
        deadline = BAND + timedelta(minutes=(c * 7) % 120)
        local = deadline.astimezone(zone)
        weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][local.weekday()]
        rhythms.append(
            Rhythm(
                circle=circle,
                starts_on=(local - 4 * WEEK).date(),
                deadline_rule=f"FREQ=WEEKLY;BYDAY={weekday}",
                deadline_time=local.time().replace(tzinfo=None),
                review_rule="FREQ=WEEKLY;BYDAY=MO",
                review_time=clock(19, 0),
            )
        )
        for index, due in ((1, deadline - WEEK), (2, deadline)):
            cycles.append(
                Cycle(
                    circle=circle,
                    index=index,
                    opens_at=due - WEEK,
                    deadline_at=due,
                    grace_until=due + timedelta(hours=24),
                    closes_at=due + WEEK,
                )
            )
    Rhythm.objects.bulk_create(rhythms)
    Cycle.objects.bulk_create(cycles, batch_size=5000)
    current = {cy.circle_id: cy for cy in cycles if cy.index == 2}
    blacked = {circle.pk for c, circle in enumerate(circles) if c % 50 == 49}
    Blackout.objects.bulk_create(
        Blackout(
            circle_id=pk,
            starts_on=current[pk].deadline_at.date() - timedelta(days=1),
            ends_on=current[pk].deadline_at.date() + timedelta(days=1),
        )
        for pk in blacked
    )
    users = User.objects.bulk_create(
        (
            User(
                email=f"m{tag}-{i}@bench.invalid",
                display_name=f"Member {i}",
                password=unusable,
                timezone=ZONES[(i // CIRCLE_SIZE) % len(ZONES)],
            )
            for i in range(circles_count * CIRCLE_SIZE)
        ),
        batch_size=5000,
    )
    joined = BAND - 8 * WEEK
    memberships = Membership.objects.bulk_create(
        (
            Membership(
                circle=circles[i // CIRCLE_SIZE],
                user=user,
                status=MembershipStatus.ACTIVE,
                joined_at=joined,
                status_changed_at=joined,
                charter_accepted_at=joined,
            )
            for i, user in enumerate(users)
        ),
        batch_size=5000,
    )
    checkins, pauses, muted = [], [], []
    for i, membership in enumerate(memberships):
        cycle = current[membership.circle_id]
        if i % 10 < 3:  # 30% checked in already: no reminder
            checkins.append(
                Checkin(membership=membership, cycle=cycle, submitted_at=cycle.deadline_at - WEEK / 2)
            )
            continue
        if i % 50 == 7:  # 2% paused over the deadline
            pauses.append(Pause(membership=membership, starts_on=date(2026, 1, 1)))
            continue
        if membership.circle_id in blacked:
            continue
        expected.due += 1
        if i % 20 == 5:  # 5%: reminders by email switched off
            muted.append(Preference(user_id=membership.user_id, muted=["checkin.reminder:email"]))
            expected.messages += 1
        else:
            expected.messages += 2
    Checkin.objects.bulk_create(checkins, batch_size=5000)
    Pause.objects.bulk_create(pauses, batch_size=5000)
    Preference.objects.bulk_create(muted, batch_size=5000)
    expected.members += len(memberships)
    expected.circles += [c.pk for c in circles]
    return expected


@contextmanager
def counted_queries() -> Iterator[list[int]]:
    """Count the SQL statements run inside (without keeping them: a pass may run many)."""
    from django.db import connection

    count = [0]

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


@dataclass
class PassFigures:
    seconds: float
    queries: int
    reminders: int
    messages: int


def scheduler_pass(now: datetime = MOMENT) -> PassFigures:
    """One pass of the reminder scheduler; what it made (messages of kind checkin.reminder)."""
    from peerpact.checkins.reminders import reminders_schedule
    from peerpact.notifications.models import Message

    before = Message.objects.filter(kind="checkin.reminder").count()
    with counted_queries() as queries:
        started = time.perf_counter()
        reminders_schedule(now=now)
        seconds = time.perf_counter() - started
    rows = Message.objects.filter(kind="checkin.reminder")
    made = rows.count() - before
    reminders = len({key.rsplit(":", 1)[0] for key in rows.values_list("dedupe_key", flat=True)})
    return PassFigures(seconds=seconds, queries=queries[0], reminders=reminders if made else 0, messages=made)


def scheduler_reset() -> None:
    from peerpact.notifications.models import Message

    Message.objects.all().delete()


# --------------------------------------------------------------------------------------------------
# Delivery


RAW_TABLE = "bench_raw_outbox"


def outbox_fill(count: int, *, channel: str = "inapp", recipients: int = 50) -> None:
    """`count` due messages in the outbox, and an identical copy in RAW_TABLE for the raw loop."""
    from django.core.management import call_command
    from django.db import connection

    from peerpact.accounts.models import User
    from peerpact.notifications.models import Message

    users = list(User.objects.order_by("pk")[:recipients])
    if len(users) < recipients:
        users += User.objects.bulk_create(
            User(email=f"r{i}@bench.invalid", display_name=f"Reader {i}", password="!")
            for i in range(len(users), recipients)
        )
    Message.objects.all().delete()
    # The worker processes run today's code: apply any migration that arrived since the run started.
    call_command("migrate", verbosity=0)
    due = datetime.now(UTC) - timedelta(minutes=1)
    Message.objects.bulk_create(
        (
            Message(
                recipient=users[i % len(users)],
                kind="bench.notice",
                channel=channel,
                template="emails/notice",
                context={"title": f"Update {i} is due", "body": "Friday 18:00"},
                due_at=due,
                dedupe_key=f"bench:{i}",
                url="/c/bench/",
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        cursor.execute(f"CREATE TABLE {RAW_TABLE} (LIKE {table} INCLUDING ALL)")
        cursor.execute(f"INSERT INTO {RAW_TABLE} SELECT * FROM {table}")
        cursor.execute(f"ANALYZE {RAW_TABLE}")
        cursor.execute(f"ANALYZE {table}")


def raw_claim_loop(cursor: Any, *, commit: Callable[[], None], batch: int = BATCH) -> int:
    """The floor: claim due rows in batches with SKIP LOCKED and mark them done. Returns rows claimed."""
    import uuid

    claimed = 0
    while True:
        token = uuid.uuid4().hex
        cursor.execute(
            f"SELECT id FROM {RAW_TABLE} WHERE (state = 'pending' AND due_at <= now()) "
            "OR (state = 'sending' AND lease_until < now()) "
            f"ORDER BY due_at, id LIMIT {batch} FOR UPDATE SKIP LOCKED"
        )
        ids = [row[0] for row in cursor.fetchall()]
        if ids:
            cursor.execute(
                f"UPDATE {RAW_TABLE} SET state = 'sent', sent_at = now(), claimed_by = %s, "
                "attempts = attempts + 1 WHERE id = ANY(%s)",
                [token, ids],
            )
        commit()
        if not ids:
            return claimed
        claimed += len(ids)


# A child process: set up, say "ready", wait for "go" on stdin, work, print its start and end (epoch).
CHILD = """
import json, os, sys, time
mode = sys.argv[1]
if mode == "raw":
    import psycopg
    from bench.worker import raw_claim_loop
    conn = psycopg.connect(os.environ["BENCH_DSN"])
    cursor = conn.cursor()
    work = lambda: raw_claim_loop(cursor, commit=conn.commit)
else:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
    import django
    django.setup()
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    connection.ensure_connection()
    work = lambda: call_command("worker", "--once")
print("ready", flush=True)
sys.stdin.readline()
started = time.time()
work()
ended = time.time()
ids = [] if mode == "raw" else [m.extra_headers.get("Message-ID") for m in getattr(mail, "outbox", [])]
print(json.dumps({"started": started, "ended": ended, "ids": ids}), flush=True)
"""


def _dsn() -> str:
    from django.db import connection

    s = connection.settings_dict
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"host={host} port={port} dbname={s['NAME']} user={s['USER']} password={s['PASSWORD']}"


def run_processes(mode: str, processes: int) -> tuple[float, list[str]]:
    """Start `processes` children of `mode` ("ours" or "raw"), release them at once; wall seconds."""
    env = {
        **os.environ,
        "BENCH_DSN": _dsn(),
        "EMAIL_BACKEND": "locmem",
        "LOG_LEVEL": "WARNING",
        "WORKER_IDLE_SECONDS": "1",
        "PYTHONPATH": str(ROOT),
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, mode],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for child in children:
        assert child.stdout is not None
        line = child.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"a {mode} process did not start: {line!r}")
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    reports = []
    for child in children:
        out, _err = child.communicate(timeout=1800)
        if child.returncode:
            raise RuntimeError(f"a {mode} process failed ({child.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    wall = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    return wall, [i for r in reports for i in r["ids"]]


def exactly_once(table: str | None = None) -> tuple[bool, str]:
    """Every row sent, each claimed exactly once (attempts = 1), no row in any other state."""
    from django.db import connection

    from peerpact.notifications.models import Message

    table = table or Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT state, attempts, count(*) FROM {table} GROUP BY 1, 2 ORDER BY 1, 2")
        rows = cursor.fetchall()
    ok = len(rows) == 1 and rows[0][0] == "sent" and rows[0][1] == 1
    return ok, ", ".join(f"{s}×{a}: {n}" for s, a, n in rows)


@dataclass
class DeliveryFigures:
    ours: dict[int, list[float]] = field(default_factory=dict)  # claims/s per process count
    raw: dict[int, list[float]] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)


def delivery_round(count: int, processes: int, figures: DeliveryFigures, *, channel: str = "inapp") -> None:
    """Fill, drain with our workers, drain the copy with the raw loop; record claims/s and check."""
    outbox_fill(count, channel=channel)
    seconds, ids = run_processes("ours", processes)
    ok, states = exactly_once()
    if channel == "email":
        ok = ok and len(ids) == count and len(set(ids)) == count
        states += f"; {len(ids)} emails, {len(set(ids))} distinct Message-IDs"
    figures.checks.append(f"{channel} ours ×{processes}: {'ok' if ok else 'FAILED'} ({states})")
    if not ok:
        raise SystemExit(f"exactly-once violated: {figures.checks[-1]}")
    figures.ours.setdefault(processes, []).append(count / seconds)
    if channel != "inapp":
        return
    seconds, _ids = run_processes("raw", processes)
    ok, states = exactly_once(RAW_TABLE)
    if not ok:
        raise SystemExit(f"raw loop lost or doubled rows: {states}")
    figures.raw.setdefault(processes, []).append(count / seconds)


# --------------------------------------------------------------------------------------------------
# Database setup


def database_prepare() -> None:
    """Create the DATABASE_URL database if it is missing (and the role may), then migrate it."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor != "postgresql":
        raise SystemExit("bench.worker measures PostgreSQL: set DATABASE_URL=postgres://…")
    try:
        connection.ensure_connection()
    except Exception:
        admin = psycopg.connect(
            host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"],
            dbname="postgres", autocommit=True,
        )  # fmt: skip
        admin.execute(f'CREATE DATABASE "{s["NAME"]}"')
        admin.close()
    call_command("migrate", verbosity=0)
    tables_empty()


def tables_empty() -> None:
    """Empty what this benchmark fills (a throwaway database), so no other worker unit finds work."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        cursor.execute(
            "TRUNCATE notifications_message, checkins_cycle, circles_circle, communities_community, "
            "accounts_user RESTART IDENTITY CASCADE"
        )


# --------------------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="3 runs, 2,000 messages")
    args = parser.parse_args()
    runs = 3 if args.quick else 5
    messages = 2_000 if args.quick and args.messages == 20_000 else args.messages
    os.environ.setdefault("DEBUG", "true")  # the worker does not depend on it; DEBUG=false needs secrets
    if not os.environ.get("DATABASE_URL") and os.environ.get("PEERPACT_BENCH_PG_URL"):
        # make bench's server: a database of our own on it (this one is emptied and refilled).
        server = os.environ["PEERPACT_BENCH_PG_URL"].rsplit("/", 1)[0]
        os.environ["DATABASE_URL"] = f"{server}/peerpact_bench_worker"
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit(
            "set DATABASE_URL to a throwaway PostgreSQL database, e.g. "
            "postgres://peerpact:peerpact@127.0.0.1:5432/peerpact_bench_worker"
        )
    django.setup()
    from bench.machine import describe, load_average

    database_prepare()
    rows: list[tuple[str, str]] = []

    # 1. Scheduler at a tenth of the size (query count), then at the full size.
    small = max(CIRCLE_SIZE, args.members // 10)
    built = time.perf_counter()
    expected = scheduler_build(small, tag="a")
    small_pass = scheduler_pass()
    scheduler_reset()
    expected = scheduler_build(args.members - small, tag="b", expected=expected)
    built = time.perf_counter() - built
    first, second = [], []
    for _ in range(runs):
        scheduler_reset()
        first.append(scheduler_pass())
        second.append(scheduler_pass())
    made = first[-1]
    if made.reminders != expected.due or made.messages != expected.messages:
        raise SystemExit(
            f"scheduler made {made.reminders}/{made.messages}, expected {expected.due}/{expected.messages}"
        )
    if any(p.messages for p in second):
        raise SystemExit("the second scheduler pass created messages")
    per_k = median([p.seconds for p in first]) * 1000 / (expected.members / 1000)
    seconds = median([p.seconds for p in first])
    rows += [
        (
            "Members / circles / zones",
            f"{expected.members:,} / {len(expected.circles):,} / {len(ZONES)} (built in {built:.0f} s)",
        ),
        ("Scheduler pass: time", f"{seconds:.2f} s — {per_k:.1f} ms per 1,000 members"),
        (
            "Scheduler pass: created",
            f"{made.reminders:,} reminders (= expected), {made.messages:,} outbox rows",
        ),
        (
            "Scheduler pass: queries",
            f"{small_pass.queries:,} at {small:,} members; {made.queries:,} at {expected.members:,}",
        ),
        (
            "Second pass (creates nothing)",
            f"{median([p.seconds for p in second]):.2f} s, {second[-1].queries:,} queries",
        ),
    ]

    for name, value in rows:  # shown now too: the delivery rounds take a while
        print(f"{name}: {value}", flush=True)

    # 2. Delivery: ours and the raw loop, interleaved per process count, `runs` times.
    tables_empty()
    figures = DeliveryFigures()
    for _ in range(runs):
        for processes in (1, 2, 4):
            delivery_round(messages, processes, figures)
    email = DeliveryFigures()
    for _ in range(runs):
        delivery_round(messages, 2, email, channel="email")
    for processes in (1, 2, 4):
        ours, raw = median(figures.ours[processes]), median(figures.raw[processes])
        rows.append(
            (
                f"Delivery, {processes} worker{'s' if processes > 1 else ''} (in-app, no-op)",
                f"{ours:,.0f} claims/s; raw SKIP LOCKED loop {raw:,.0f}/s; ours/raw {ours / raw:.2f}×",
            )
        )
    rows.append(
        ("Delivery, 2 workers (email, locmem backend)", f"{median(email.ours[2]):,.0f} messages/s (rendered)")
    )
    rounds = len(figures.checks) + len(email.checks)
    rows.append(("Exactly-once", f"all {rounds} rounds: every row sent once, claimed once"))

    print(f"\n### Worker — {expected.members:,} members, {messages:,} messages, median of {runs} runs\n")
    print(f"Machine: {describe()}; load {load_average()}\n")
    print("| Measure | Result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    target = median(figures.ours[2]) / median(figures.raw[2])
    print(f"\nTarget ≥ 0.5× at 2 workers: {'met' if target >= 0.5 else 'MISSED'} ({target:.2f}×)")
    sys.exit(0 if target >= 0.5 else 1)


if __name__ == "__main__":
    main()
