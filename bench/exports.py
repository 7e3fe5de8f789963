"""Peak memory of every CSV (and zip) export at two sizes: does it stream with flat memory?

Usage: .tools/bin/uv run --no-sync python -m bench.exports [--quick] [--runs N]
       DATABASE_URL=postgres://peerpact:peerpact@127.0.0.1:5432/peerpact_bench_exports \\
           .tools/bin/uv run --no-sync python -m bench.exports

For each export it bulk-creates data giving about 10,000 and 100,000 rows (--quick: 1,000 and 10,000),
requests the download with the test client as an organizer, consumes `streaming_content` to the end,
and reports the Python heap's peak above the baseline before the request (tracemalloc), the bytes,
the rows and the time (measured in a separate pass without tracemalloc). Target (issue 9): peak at the
large size at most 1.2x the peak at the small one. The zip exports (community, member) are built in a
temporary file and streamed from it; the member export is sized 1,000 and 10,000 rows of one person.

SQLite by default (a throwaway file); DATABASE_URL switches to PostgreSQL (the database is migrated and
emptied first). tracemalloc sees Python objects only: memory libpq holds for a result is not counted,
which is why the querysets use server-side cursors (`.iterator()`) on PostgreSQL.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

EXPORTS = (
    "community checkins",
    "community goals",
    "community commitments",
    "community reviews",
    "tracker (one circle)",
    "cohort insights",
    "community zip",
    "member zip",
)
WEEK = timedelta(weeks=1)
MEMBERS = 8  # per circle


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-exports-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(), "bench-exports.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)


# --- Data, in bulk ------------------------------------------------------------------------------


class Builder:
    """Bulk inserts for one benchmark case; every name carries `tag`, so cases share a database."""

    def __init__(self, tag: str) -> None:
        from django.utils import timezone

        from peerpact.accounts.models import User
        from peerpact.communities.models import Community, CommunityMembership

        self.tag = tag
        self.now = timezone.now().replace(microsecond=0) - timedelta(hours=1)  # every cycle has opened
        self.owner = User.objects.create(email=f"owner-{tag}@example.com", display_name=f"Owner {tag}")
        self.community = Community.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
        CommunityMembership.objects.create(community=self.community, user=self.owner, role="owner")

    def users(self, n: int, prefix: str) -> list[Any]:
        from peerpact.accounts.models import User
        from peerpact.communities.models import CommunityMembership

        users = User.objects.bulk_create(
            User(
                email=f"{prefix}{i}-{self.tag}@example.com",
                display_name=f"{prefix.title()} {i:05d}",
                password="!",
            )
            for i in range(n)
        )
        if users and users[0].pk is None:  # backends without RETURNING: read them back
            users = list(
                User.objects.filter(email__endswith=f"-{self.tag}@example.com", email__startswith=prefix)
            )
        CommunityMembership.objects.bulk_create(
            CommunityMembership(community=self.community, user=u, role="member") for u in users
        )
        return users

    def circles(
        self,
        count: int,
        cycles: int,
        *,
        members: int = MEMBERS,
        checkins: bool = True,
        goals: int = 0,
        commitments: int = 0,
    ) -> list[Any]:
        """`count` circles of `members` people, `cycles` weekly cycles (all started), a check-in in
        most cycles, `goals` goals per member and `commitments` commitments per member and cycle."""
        from peerpact.checkins.models import Checkin, Cycle
        from peerpact.circles.models import Circle, Membership
        from peerpact.goals.models import Commitment, Goal

        start = self.now - WEEK * cycles
        people = self.users(count * members, "m")
        circles = Circle.objects.bulk_create(
            Circle(
                community=self.community,
                name=f"Circle {i:04d}",
                slug=f"c{i}",
                created_by=self.owner,
                size_cap=20,
            )
            for i in range(count)
        )
        circles = list(Circle.objects.filter(community=self.community).order_by("pk"))
        seats = Membership.objects.bulk_create(
            Membership(
                circle=circle,
                user=people[c * members + j],
                role="facilitator" if j == 0 else "member",
                status="active",
                charter_accepted_at=start,
                joined_at=start - timedelta(days=1),
            )
            for c, circle in enumerate(circles)
            for j in range(members)
        )
        seats = list(Membership.objects.filter(circle__community=self.community).order_by("pk"))
        Cycle.objects.bulk_create(
            (
                Cycle(
                    circle=circle,
                    index=k + 1,
                    opens_at=start + WEEK * k,
                    deadline_at=start + WEEK * (k + 1),
                    grace_until=start + WEEK * (k + 1) + timedelta(hours=12),
                    closes_at=start + WEEK * (k + 1) + timedelta(days=1),
                )
                for circle in circles
                for k in range(cycles)
            ),
            batch_size=5000,
        )
        by_circle: dict[int, list[Any]] = {}
        for cycle in Cycle.objects.filter(circle__community=self.community).order_by("circle_id", "index"):
            by_circle.setdefault(cycle.circle_id, []).append(cycle)
        if checkins:
            Checkin.objects.bulk_create(
                (
                    Checkin(
                        membership=seat,
                        cycle=cycle,
                        submitted_at=cycle.deadline_at - timedelta(hours=3),
                        wins=f"Win {cycle.index} of {seat.user_id}",
                        confidence=4,
                        visibility="circle",
                    )
                    for seat in seats
                    for cycle in by_circle[seat.circle_id]
                    if (seat.pk + cycle.index) % 5  # one in five missed
                ),
                batch_size=5000,
            )
        if goals:
            Goal.objects.bulk_create(
                (
                    Goal(
                        membership=seat,
                        title=f"Goal {g} of {seat.pk}",
                        target=100,
                        starts_on=date(2025, 1, 1),
                        visibility="private" if g % 4 == 3 else "circle",
                    )
                    for seat in seats
                    for g in range(goals)
                ),
                batch_size=5000,
            )
        if commitments:
            Commitment.objects.bulk_create(
                (
                    Commitment(membership=seat, cycle=cycle, text=f"Step {n} in {cycle.index}", status="done")
                    for seat in seats
                    for cycle in by_circle[seat.circle_id]
                    for n in range(commitments)
                ),
                batch_size=5000,
            )
        return circles

    def cohort(self, learners: int, modules: int, *, reviews: bool = True) -> Any:
        """A program of `modules` modules; a cohort of `learners`, each viewing and submitting every
        module (a third late), each submission with one completed review."""
        from peerpact.programs.models import (
            Cohort,
            Enrollment,
            Module,
            ModuleView,
            Program,
            Review,
            ReviewAssignment,
            Submission,
        )

        program = Program.objects.create(
            community=self.community, title="Bench program", slug="bench", status="published"
        )
        Module.objects.bulk_create(
            Module(program=program, position=i + 1, title=f"Module {i + 1}", action_challenge="Try it")
            for i in range(modules)
        )
        modules_ = list(program.modules.all())
        starts = (self.now - timedelta(weeks=modules + 2)).date()
        cohort = Cohort.objects.create(program=program, name="Bench cohort", starts_on=starts)
        people = self.users(learners, "l")
        Enrollment.objects.bulk_create(
            (
                Enrollment(cohort=cohort, user=u, enrolled_at=self.now - timedelta(weeks=modules + 2))
                for u in people
            ),
            batch_size=5000,
        )
        enrollments = list(cohort.enrollments.order_by("pk"))
        ModuleView.objects.bulk_create(
            (
                ModuleView(enrollment=e, module=m, first_viewed_at=self.now - WEEK)
                for e in enrollments
                for m in modules_
            ),
            batch_size=5000,
        )
        Submission.objects.bulk_create(
            (
                Submission(
                    enrollment=e,
                    module=m,
                    text="I tried it.",
                    submitted_at=cohort.due_at(m)
                    + (timedelta(days=1) if e.pk % 3 == 0 else -timedelta(days=1)),
                    updated_at=cohort.due_at(m),
                )
                for e in enrollments
                for m in modules_
            ),
            batch_size=5000,
        )
        if reviews:
            # Learner i reviews learner i + 1's submissions (ids in a list: only the builder holds it).
            users = [e.user_id for e in enrollments]
            position = {user: i for i, user in enumerate(users)}
            subs = Submission.objects.filter(enrollment__cohort=cohort).values_list(
                "pk", "enrollment__user_id"
            )
            ReviewAssignment.objects.bulk_create(
                (
                    ReviewAssignment(
                        submission_id=pk,
                        reviewer_id=users[(position[author] + 1) % len(users)],
                        assigned_at=self.now - WEEK,
                        due_at=self.now,
                        completed_at=self.now - timedelta(days=2),
                    )
                    for pk, author in subs.iterator(chunk_size=5000)
                ),
                batch_size=5000,
            )
            Review.objects.bulk_create(
                (
                    Review(
                        assignment_id=pk,
                        scores={"1": 2, "2": 3},
                        feedback="Helpful",
                        submitted_at=self.now - timedelta(days=2),
                        helpful=4,
                    )
                    for pk in ReviewAssignment.objects.filter(submission__enrollment__cohort=cohort)
                    .values_list("pk", flat=True)
                    .iterator(chunk_size=5000)
                ),
                batch_size=5000,
            )
        return cohort


# --- Measuring ----------------------------------------------------------------------------------


@dataclass
class Figures:
    export: str
    size: int  # rows asked for
    rows: int  # rows written (CSV lines after the header; zip: rows in data.json's tables)
    bytes: int
    seconds: float
    peak_bytes: int


def _consume(response: Any) -> tuple[int, int]:
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    return size, lines  # the test client closes the response once its content is consumed


def _peak(fetch: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        _consume(fetch())
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _timed(fetch: Callable[[], Any]) -> tuple[float, int, int]:
    gc.collect()
    began = time.perf_counter()
    size, lines = _consume(fetch())
    return time.perf_counter() - began, size, lines


def _zip_rows(response_bytes: bytes) -> int:
    import io
    import json
    import zipfile

    data = json.loads(zipfile.ZipFile(io.BytesIO(response_bytes)).read("data.json"))
    return sum(len(v) for v in data.values() if isinstance(v, list))


def case(
    export: str, size: int, *, tracker_cycles: int | None = None
) -> tuple[Callable[[], Any], Callable[[Any], int]]:
    """Build the data of one export at one size; return how to fetch it and how to count its rows."""
    from django.test import Client
    from django.urls import reverse

    tag = f"{export.split()[1 if export.startswith('community') else 0][:6]}{size}".replace("(", "")
    b = Builder(tag)
    client = Client()
    client.force_login(b.owner)
    slug = b.community.slug
    csv_rows: Callable[[Any], int] = lambda lines: lines - 1  # noqa: E731 - header line
    if export == "community checkins":
        cycles = 52
        b.circles(max(1, round(size / (MEMBERS * cycles))), cycles)
        url = reverse("dashboard:export", kwargs={"slug": slug, "kind": "checkins"})
    elif export == "community goals":
        b.circles(max(1, round(size / (MEMBERS * 5))), 4, checkins=False, goals=5)
        url = reverse("dashboard:export", kwargs={"slug": slug, "kind": "goals"})
    elif export == "community commitments":
        cycles = 52
        b.circles(max(1, round(size / (MEMBERS * cycles))), cycles, checkins=False, commitments=1)
        url = reverse("dashboard:export", kwargs={"slug": slug, "kind": "commitments"})
    elif export == "community reviews":
        b.cohort(max(2, size // 10), 10)
        url = reverse("dashboard:export", kwargs={"slug": slug, "kind": "reviews"})
    elif export == "tracker (one circle)":
        # One circle holds at most 20 members x 1,000 cycles (HISTORY_LIMIT). With `tracker_cycles`
        # the columns stay fixed and the members grow (2 -> 20); without, 10 members.
        cycles = tracker_cycles or max(1, size // 10)
        [circle] = b.circles(1, cycles, members=max(1, min(20, size // cycles)))
        url = reverse("checkins:tracker-csv", kwargs={"community": slug, "circle": circle.slug})
    elif export == "cohort insights":
        cohort = b.cohort(max(1, size // 10), 10)
        url = reverse("programs:insights-csv", kwargs={"community": slug, "cohort": cohort.pk})
    elif export == "community zip":
        # Per member and cycle: a check-in and a commitment; plus memberships, cycles and goals.
        cycles = 52
        b.circles(max(1, round(size / (MEMBERS * cycles * 2))), cycles, goals=1, commitments=1)
        url = reverse("insights:community-export", kwargs={"slug": slug})
        b.owner.set_password("bench-password-1234")
        b.owner.save(update_fields=["password"])
        client.force_login(b.owner)
        return (
            lambda: client.post(url, {"password": "bench-password-1234"}),
            lambda _lines: -1,
        )
    elif export == "member zip":
        # One person: a check-in and four commitments per cycle, in one circle.
        [circle] = b.circles(1, max(1, size // 5), members=1, commitments=4)
        from peerpact.circles.models import Membership

        person = Membership.objects.get(circle=circle).user
        person.set_password("bench-password-1234")
        person.save(update_fields=["password"])
        client.force_login(person)
        url = reverse("accounts:data-download")
        return lambda: client.post(url, {"password": "bench-password-1234"}), lambda _lines: -1
    else:
        raise ValueError(export)
    return (lambda: client.get(url)), csv_rows


def measure(export: str, size: int, *, runs: int = 1, tracker_cycles: int | None = None) -> Figures:
    """Peak memory (median of `runs`), time (median), bytes and rows of one export at one size."""
    fetch, count_rows = case(export, size, tracker_cycles=tracker_cycles)
    times, peaks = [], []
    size_bytes = lines = 0
    for _ in range(runs):
        seconds, size_bytes, lines = _timed(fetch)
        times.append(seconds)
        peaks.append(_peak(fetch))
    rows = count_rows(lines)
    if rows < 0:  # a zip: count the rows inside
        response = fetch()
        rows = _zip_rows(b"".join(response.streaming_content))
    return Figures(export, size, rows, size_bytes, statistics.median(times), int(statistics.median(peaks)))


def run(
    *, sizes: tuple[int, int], exports: Iterable[str] = EXPORTS, runs: int = 1
) -> list[tuple[Figures, Figures]]:
    """Both sizes of every export, side by side (the small one first)."""
    from django.test.utils import override_settings

    pairs = []
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        for export in exports:
            # One person's data and one circle's tracker are bounded: a tenth of the sizes.
            tenth = export in ("member zip", "tracker (one circle)")
            small, large = (sizes[0] // 10, sizes[1] // 10) if tenth else sizes
            cycles = large // 20  # the tracker: fixed columns, 2 then 20 members
            pairs.append(
                (
                    measure(export, small, runs=runs, tracker_cycles=cycles),
                    measure(export, large, runs=runs, tracker_cycles=cycles),
                )
            )
            print(f"  measured {export}", file=sys.stderr, flush=True)
    return pairs


def table(pairs: list[tuple[Figures, Figures]]) -> str:
    lines = [
        "| export | rows (small → large) | bytes (large) | time small / large | peak small | peak large "
        "| ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for small, large in pairs:
        ratio = large.peak_bytes / small.peak_bytes if small.peak_bytes else float("inf")
        verdict = "✓" if ratio <= 1.2 else "✗"
        lines.append(
            f"| {small.export} | {small.rows:,} → {large.rows:,} | {large.bytes:,} | "
            f"{small.seconds:.2f} s / {large.seconds:.2f} s | {small.peak_bytes / 2**20:.1f} MiB | "
            f"{large.peak_bytes / 2**20:.1f} MiB | {ratio:.2f}× {verdict} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 rows instead of 10k and 100k")
    parser.add_argument("--runs", type=int, default=1, help="measure each export this many times (median)")
    parser.add_argument("--only", action="append", choices=EXPORTS, help="just this export (repeatable)")
    args = parser.parse_args(argv)
    _setup()
    from django.db import connection

    from bench.machine import describe, load_average

    sizes = (1_000, 10_000) if args.quick else (10_000, 100_000)
    pairs = run(sizes=sizes, exports=args.only or EXPORTS, runs=args.runs)
    print(
        f"### CSV and zip exports: peak memory at {sizes[0]:,} and {sizes[1]:,} rows ({connection.vendor})\n"
    )
    print(table(pairs))
    print(f"\nMachine: {describe()}; load average {load_average()} at the end.")
    print("Peak: tracemalloc's peak above the baseline before the request, while the response is consumed.")
    print(
        "Member zip and tracker: a tenth of the sizes above (one person; one circle: 2 then 20 members over "
        f"{sizes[1] // 200} cycles). Target: ratio ≤ 1.2."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
