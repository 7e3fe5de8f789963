"""The organizer dashboard at 1x (100 circles, 1,000 members) and 10x (1,000 circles, 10,000 members):
queries and time relative to a minimal page, side by side in one run.

Usage: DEBUG=true .tools/bin/uv run --no-sync python -m bench.dashboard_queries [--circles 100] [--rounds 7]

Builds a throwaway SQLite database with bulk_create (the builder of the insights query-count test: six
finished weekly cycles, the last still open for late updates, mixed on-time/late/missed check-ins,
comments, feedback, goals, pauses, blackouts, ladder cases), brings the summaries up to date as the
worker does (timed: that is the worker's cost, once per cycle), then requests /c/<slug>/insights/ as the
owner: the floor (/healthz), the page at 1x and at 10x, interleaved, `rounds` times; medians. Also
timed: the live computation of every circle's figures (insights.selectors.dashboard, what the page did
before summaries).
The query count must be identical at both sizes; the target is ratio(10x) <= 1.25 x ratio(1x).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ["SQLITE_PATH"] = os.path.join(tempfile.mkdtemp(), "bench.sqlite3")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.machine import describe, load_average  # noqa: E402


def timed_get(client: Client, url: str) -> float:
    began = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def main() -> None:
    from peerpact.accounts.models import User
    from peerpact.communities import services as community_services
    from peerpact.insights import selectors, summaries
    from peerpact.insights.tests.test_dashboard_queries import build

    parser = argparse.ArgumentParser()
    parser.add_argument("--circles", type=int, default=100, help="circles at 1x (10x is ten times)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    sizes = (args.circles, args.circles * 10)
    urls: dict[int, str] = {}
    fill: dict[int, float] = {}
    live: dict[int, float] = {}
    queries: dict[int, int] = {}
    for circles in sizes:
        owner = User.objects.create_user(email=f"owner{circles}@example.com", password="x" * 12)
        community = community_services.community_create(creator=owner, name=f"Bench {circles}")
        build(community, circles=circles, members=10, tag=f"b{circles}")
        began = time.perf_counter()
        summaries.fill(now=timezone.now())  # what the worker's units do as cycles finish
        fill[circles] = time.perf_counter() - began
        began = time.perf_counter()
        selectors.dashboard(community=community, filters=selectors.Filters(), now=timezone.now())
        live[circles] = time.perf_counter() - began
        urls[circles] = f"/c/{community.slug}/insights/"
    # Each community's owner views their own dashboard (owners organize only their own community).
    viewers = {circles: Client() for circles in sizes}
    for circles in sizes:
        viewers[circles].force_login(User.objects.get(email=f"owner{circles}@example.com"))
        timed_get(viewers[circles], urls[circles])  # warm up (templates, connections)
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            timed_get(viewers[circles], urls[circles])
        queries[circles] = len(captured.captured_queries)
    floor_client = viewers[sizes[0]]
    times: dict[str, list[float]] = {"floor": [], **{str(c): [] for c in sizes}}
    for _ in range(args.rounds):
        times["floor"].append(timed_get(floor_client, "/healthz"))
        for circles in sizes:
            times[str(circles)].append(timed_get(viewers[circles], urls[circles]))
    floor = statistics.median(times["floor"])
    print(describe())
    print(f"load average at the end: {load_average()}")
    print()
    print("| size | queries | page ms (median) | page / floor | live figures ms | summaries fill s |")
    print("|---|---|---|---|---|---|")
    ratios = {}
    for circles in sizes:
        page = statistics.median(times[str(circles)])
        ratios[circles] = page / floor
        print(
            f"| {circles:,} circles, {circles * 10:,} members | {queries[circles]} | {page * 1000:.0f} | "
            f"{ratios[circles]:.0f} | {live[circles] * 1000:.0f} | {fill[circles]:.1f} |"
        )
    growth = ratios[sizes[1]] / ratios[sizes[0]]
    print(f"\nfloor (/healthz): {floor * 1000:.2f} ms; ratio 10x / 1x: {growth:.2f} (target <= 1.25)")
    same = queries[sizes[0]] == queries[sizes[1]]
    print("query counts identical at both sizes" if same else "QUERY COUNTS GROW WITH DATA")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
