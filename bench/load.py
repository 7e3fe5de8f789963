"""A mixed load from locust against the production server, then every write accounted for.

Usage: .tools/bin/uv run --no-sync python -m bench.load --database postgres://…/peerpact_bench_large \
           [--users 20] [--seconds 60]

The database comes from bench/generate.py (its manifest beside it, see bench/pages.py). The workload
(bench/locustfile.py): 70 % reads (home, board, tracker, goals, check-in form), 25 % check-ins and
comments, 5 % API, each simulated person a different member of a different circle, no think time, so
the figures are throughput and latency at saturation of the pinned server (granian, 2 workers) on a
machine whose 2 cores it shares with PostgreSQL and locust. Afterwards the database is read back: every
comment locust saw accepted exists exactly once, and every accepted check-in shows up as exactly one
version step of that member's check-in. Exits non-zero on any failed request or any unaccounted write.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.machine import describe, load_average
from bench.pages import manifest_for
from bench.server import ROOT, collectstatic, production_env, running

OUT = ROOT / "var" / "bench"


def _django() -> None:
    import django

    django.setup()


def prepare(database: str, manifest_path: str, people: int, marker: str) -> dict[str, Any]:
    """One plain member from each of the first `people` circles: session, CSRF secret, token, targets."""
    _django()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from peerpact.api.services import token_create
    from peerpact.checkins import selectors
    from peerpact.checkins.models import Checkin
    from peerpact.circles.models import Circle, Membership

    manifest = json.loads(Path(manifest_path).read_text())
    now = timezone.now()
    chosen: list[dict[str, Any]] = []
    circles = Circle.objects.filter(community__slug=manifest["community"]).select_related("community")
    for circle in circles.order_by("pk").iterator():
        if len(chosen) >= people:
            break
        cycle = selectors.cycle_current(circle=circle, now=now)
        seated = [m for m in Membership.objects.filter(circle=circle).select_related("user") if m.is_seated]
        member = next((m for m in seated if m.role == "member" and m.user.is_active), None)
        if cycle is None or member is None:
            continue
        peer_checkin = (
            Checkin.objects.filter(membership__circle=circle, submitted_at__isnull=False, visibility="circle")
            .exclude(membership=member)
            .filter(membership__in=seated)
            .order_by("-submitted_at")
            .first()
        )
        if peer_checkin is None:
            continue
        client = Client()
        client.force_login(member.user)
        kwargs = {"community": circle.community.slug, "circle": circle.slug}
        own = Checkin.objects.filter(membership=member, cycle=cycle).first()
        chosen.append(
            {
                "email": member.user.email,
                "membership": member.pk,
                "cycle": cycle.pk,
                "version_before": own.version if own and own.is_submitted else 0,
                "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "csrf": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32)),
                "token": token_create(user=member.user, name="load").secret,
                "board": reverse("checkins:board", kwargs=kwargs),
                "tracker": reverse("checkins:tracker", kwargs=kwargs),
                "goals": reverse("goals:list", kwargs=kwargs),
                # The cycle itself, not "my check-in": the default form moves on to the next cycle
                # once a late one is in, and the accounting reads this cycle's row.
                "checkin": reverse("checkins:checkin-cycle", kwargs={**kwargs, "index": cycle.index}),
                "comment": reverse("feedback:comment-add", kwargs={**kwargs, "checkin_id": peer_checkin.pk}),
                "api": f"/api/v1/circles/{circle.pk}/checkins",
            }
        )
    if len(chosen) < people:
        raise SystemExit(f"only {len(chosen)} circles can take part; ask for fewer --users")
    return {"people": chosen, "marker": marker}


def account(people: list[dict[str, Any]], marker: str) -> dict[str, Any]:
    """What the database holds after the run: comments with the marker, check-in version steps."""
    _django()
    from peerpact.checkins.models import Checkin
    from peerpact.feedback.models import Comment

    comments = Comment.objects.filter(body__startswith=marker)
    held = []
    for person in people:
        row = Checkin.objects.filter(membership_id=person["membership"], cycle_id=person["cycle"]).first()
        after = row.version if row and row.is_submitted else 0
        held.append(
            {"email": person["email"], "version_before": person["version_before"], "version_after": after}
        )
    return {
        "comments": comments.count(),
        "distinct_comments": comments.values("body").distinct().count(),
        "people": held,
    }


def _in_django(database: str, step: str, payload: Path) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.load",
            "--step",
            step,
            "--database",
            database,
            "--payload",
            str(payload),
        ],
        cwd=ROOT,
        env=production_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"bench.load {step} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(database: str, *, users: int, seconds: int) -> tuple[str, bool]:
    OUT.mkdir(parents=True, exist_ok=True)
    collectstatic(production_env(database))
    marker = f"LOAD-{secrets.token_hex(4)}"
    request = OUT / "load-request.json"
    request.write_text(
        json.dumps({"manifest": str(manifest_for(database)), "people": users, "marker": marker})
    )
    prepared = _in_django(database, "prepare", request)
    people_file, tally_file = OUT / "load-people.json", OUT / "load-tally.json"
    people_file.write_text(json.dumps(prepared["people"]))
    tally_file.unlink(missing_ok=True)
    with running(database) as server:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PEERPACT_LOAD_PEOPLE": str(people_file),
            "PEERPACT_LOAD_MARKER": marker,
            "PEERPACT_LOAD_TALLY": str(tally_file),
        }
        command = [
            sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
            "--host", server.base_url, "--csv", str(OUT / "load"), "--only-summary", "--stop-timeout", "10",
            "--loglevel", "WARNING",
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    tally = json.loads(tally_file.read_text())
    after_request = OUT / "load-after.json"
    after_request.write_text(json.dumps({"people": prepared["people"], "marker": marker}))
    held = _in_django(database, "account", after_request)
    vendor = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    return render(
        tally, held, users=users, seconds=seconds, command=" ".join(server.command[1:]), vendor=vendor
    )


def render(
    tally: dict[str, Any], held: dict[str, Any], *, users: int, seconds: int, command: str, vendor: str
) -> tuple[str, bool]:
    with open(OUT / "load_stats.csv", encoding="utf-8") as stats_file:
        rows = list(csv.DictReader(stats_file))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    failures = int(total["Failure Count"])
    # Each accepted check-in was sent with the version its form showed: per person those must run
    # before, before+1, … with no repeat (a repeat would be a lost update), and the row must end at
    # before + accepted.
    mismatches = []
    for person in held["people"]:
        email, before, after = person["email"], person["version_before"], person["version_after"]
        bases = sorted(int(b or 0) for b in tally.get("bases", {}).get(email, []))
        if bases != list(range(before, before + len(bases))) or after != before + len(bases):
            mismatches.append(f"{email}: before {before}, after {after}, accepted on versions {bases}")
    steps = sum(p["version_after"] - p["version_before"] for p in held["people"])
    comments_ok = held["comments"] == tally["comments"] == held["distinct_comments"]
    checkins_ok = not mismatches
    ok = failures == 0 and comments_ok and checkins_ok
    lines = [
        f"Machine: {describe()}; load average before the run {load_average()}.",
        f"Server: `granian {command}`, production settings, {vendor}; "
        f"locust: {users} users, no think time, {seconds} s.",
        "",
        "| request | count | failures | per second | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['Name'] if row['Name'] != 'Aggregated' else '**all**'} | {row['Request Count']} "
            f"| {row['Failure Count']} | {float(row['Requests/s']):.1f} | {row['50%']} | {row['99%']} |"
        )
    lines += [
        "",
        f"Writes accounted for: {tally['checkins']} check-ins accepted, {steps} version steps in the "
        f"database, each on the version its form showed; {tally['comments']} comments accepted, "
        f"{held['comments']} in the database ({held['distinct_comments']} distinct). "
        + ("Every write accounted for." if comments_ok and checkins_ok else "**Writes do not add up.**"),
        *(f"- {m}" for m in mismatches),
        "",
        "(Locust's own request counts can miss the last requests in flight when the run stops; the "
        "accounting uses the workload's tally.)",
    ]
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", required=True)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--step", choices=["prepare", "account"], help=argparse.SUPPRESS)
    parser.add_argument("--payload", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        payload = json.loads(Path(args.payload).read_text())
        if args.step == "prepare":
            result = prepare(args.database, payload["manifest"], payload["people"], payload["marker"])
        else:
            result = account(payload["people"], payload["marker"])
        print(json.dumps(result))
        return 0
    table, ok = run(args.database, users=args.users, seconds=args.seconds)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
