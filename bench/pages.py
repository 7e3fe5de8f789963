"""Key pages on the pinned production server: time as a ratio to hello-world, SQL queries, page weight.

Usage: .tools/bin/uv run --no-sync python -m bench.pages --small var/bench/demo.sqlite3 \
           --large var/bench/large.sqlite3 [--runs 3] [--rounds 20]

Both databases come from bench/generate.py (their manifests sit beside them). One granian server with
production settings and two workers is started per database; requests go one at a time over keep-alive
connections, interleaved in a shuffled order across both servers and every page, so machine noise hits
all figures alike. Each page's p50 and p95 are divided by the p50 of the hello-world view
(/healthz/live, anonymous, the whole middleware stack and nothing else) in the same run, pooled over
both servers (it touches no data); the figure reported is the median over `--runs` runs. Queries are
counted in-process with Django's test client against the same database and settings (a warm request, as
the server sees it after start).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import subprocess
import sys
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.machine import describe, load_average
from bench.server import ROOT, Connection, Server, collectstatic, production_env, running

FLOOR = "hello world (/healthz/live)"
RATIO_TARGET = 15.0
GROWTH_TARGET = 1.25
WEIGHT_TARGET = 100 * 1024


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    persona: str  # "anon", "member" or "organizer"; "api:" prefix: bearer token instead of a session
    method: str = "GET"
    expect: int = 200

    @property
    def is_html(self) -> bool:
        return not self.persona.startswith("api:") and self.name != FLOOR


# --- Preparation: runs inside Django (a subprocess per database) ---


def targets_for(manifest: dict[str, Any]) -> list[Target]:
    """The pages the issue names, at the addresses bench/generate.py recorded in its manifest."""
    urls = manifest["urls"]
    api = {path.rsplit("/", 1)[-1]: path for path in urls["api"]}
    return [
        Target(FLOOR, "/healthz/live", "anon"),
        Target("home", urls["home"], "member"),
        Target("circle board", urls["board"], "member"),
        Target("tracker (8 members × 52 cycles)", urls["tracker_all_cycles"], "member"),
        Target("check-in form", urls["checkin_form"], "member"),
        Target("check-in submit", urls["checkin_form"], "member", method="POST", expect=302),
        Target("organizer dashboard", urls["dashboard"], "organizer"),
        Target("API: community circles", api["circles"], "api:organizer"),
        Target("API: circle check-ins", api["checkins"], "api:member"),
        Target("API: circle goals", api["goals"], "api:member"),
        Target("API: cohort submissions", api["submissions"], "api:organizer"),
        Target("API: my notifications", api["notifications"], "api:member"),
    ]


def summary(manifest: dict[str, Any]) -> str:
    counts = manifest["counts"]
    return (
        f"{manifest['size']}: {counts['circles.Circle']:,} circles, "
        f"{counts['circles.Membership']:,} members, {manifest['total_rows']:,} rows"
    )


class _FormParser(HTMLParser):
    """The fields of every POST form on a page, with the values a person would leave or pick."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": {}, "radios": {}}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "radio":
                if "checked" in a or name not in self._form["radios"]:
                    self._form["radios"][name] = a.get("value", "on")
            elif kind == "checkbox":
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in a or self._select not in fields):
            fields[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def checkin_body(html: str, stamp: str) -> dict[str, str]:
    """Fill the check-in form as a member would: keep every choice shown, write new wins."""
    parser = _FormParser()
    parser.feed(html)
    form = next(f for f in parser.forms if "version" in f["fields"])
    data = {**form["fields"], **form["radios"]}
    # A new sentence each time: re-sending an unchanged check-in is a no-op (double-submit protection),
    # and the load bench counts every accepted submit as one version step.
    data["wins"] = f"Bench update {stamp}: shipped the draft, next step is review."
    if "blockers" in data and not data["blockers"].strip():
        data["blockers"] = "Waiting on one review."
    return data


def prepare(database: str, manifest_path: str) -> dict[str, Any]:
    """Sessions, API tokens, ids and warm query counts for one database (inside Django)."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from peerpact.accounts.models import User
    from peerpact.api.services import token_create

    manifest = json.loads(Path(manifest_path).read_text())
    users = {
        "member": User.objects.get(email=manifest["member"]),
        "organizer": User.objects.get(email=manifest["organizer"]),
    }
    clients: dict[str, Client] = {"anon": Client()}
    sessions: dict[str, str] = {}
    tokens: dict[str, str] = {}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        clients[persona] = client
        sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
        secret = token_create(user=user, name=f"bench {persona}").secret
        tokens[persona] = secret
        clients[f"api:{persona}"] = Client(headers={"Authorization": f"Bearer {secret}"})
    queries: dict[str, int] = {}
    for target in targets_for(manifest):
        client = clients[target.persona]
        for _warm in range(2):  # the second request is the one counted: caches warm, as on a server
            body: dict[str, str] = {}
            if target.method == "POST":
                form = client.get(target.path)
                body = checkin_body(form.content.decode(), "prepare")
            with CaptureQueriesContext(connection) as captured:
                response = (
                    client.post(target.path, body) if target.method == "POST" else client.get(target.path)
                )
            if response.status_code != target.expect:
                raise SystemExit(f"{target.name}: {response.status_code} (expected {target.expect})")
        queries[target.name] = len(captured.captured_queries)
    return {"sessions": sessions, "tokens": tokens, "queries": queries, "manifest": manifest}


def prepare_in_subprocess(database: str) -> dict[str, Any]:
    manifest = manifest_for(database)
    result = subprocess.run(
        [sys.executable, "-m", "bench.pages", "--prepare", database, "--manifest", str(manifest)],
        cwd=ROOT,
        env=production_env(database),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"preparing {database} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def manifest_for(database: str) -> Path:
    """Where bench/run.py keeps the generator's manifest for `database`."""
    if database.startswith(("postgres://", "postgresql://")):
        return ROOT / "var" / "bench" / f"{urlsplit(database).path.strip('/')}.manifest.json"
    return Path(database + ".manifest.json")


# --- Measurement: plain HTTP against the running servers ---


class Session:
    """The connections one server's personas use."""

    def __init__(self, server: Server, prepared: dict[str, Any]):
        self.server = server
        self.prepared = prepared
        self.targets = targets_for(prepared["manifest"])
        sessions, tokens = prepared["sessions"], prepared["tokens"]
        self.conns = {
            "anon": Connection(server),
            "member": Connection(server, cookies={"sessionid": sessions["member"]}),
            "organizer": Connection(server, cookies={"sessionid": sessions["organizer"]}),
            "api:member": Connection(server, headers={"Authorization": f"Bearer {tokens['member']}"}),
            "api:organizer": Connection(server, headers={"Authorization": f"Bearer {tokens['organizer']}"}),
        }
        self.submitted = 0

    def hit(self, target: Target) -> float:
        conn = self.conns[target.persona]
        if target.method == "POST":
            form = conn.get(target.path)  # not timed: the page a member fills in before sending
            self.submitted += 1
            body = checkin_body(form.body.decode(), str(self.submitted))
            body["csrfmiddlewaretoken"] = body.get("csrfmiddlewaretoken") or conn.cookies.get("csrftoken", "")
            encoded = "&".join(f"{quote(k)}={quote(v)}" for k, v in body.items()).encode()
            reply = conn.request(
                "POST",
                target.path,
                body=encoded,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": self.server.base_url + target.path,
                    "Origin": self.server.base_url,
                },
            )
        else:
            reply = conn.get(target.path)
        if reply.status != target.expect:
            raise SystemExit(
                f"{target.name} on {self.server.base_url}: {reply.status}, expected {target.expect}"
            )
        return reply.seconds


def quote(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


def measure(
    sessions: dict[str, Session], *, rounds: int, warmup: int, seed: int
) -> dict[tuple[str, str], list[float]]:
    """One interleaved run: every (size, page) pair once per round, in a fresh random order each round."""
    order = [(size, target) for size, session in sessions.items() for target in session.targets]
    rng = random.Random(seed)
    samples: dict[tuple[str, str], list[float]] = defaultdict(list)
    for round_no in range(warmup + rounds):
        rng.shuffle(order)
        for size, target in order:
            seconds = sessions[size].hit(target)
            if round_no >= warmup:
                samples[(size, target.name)].append(seconds)
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# --- Page weight ---


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.assets.append(a["src"])
        elif (
            tag == "link"
            and a.get("href")
            and {"stylesheet", "icon", "modulepreload"} & set(a.get("rel", "").split())
        ):
            self.assets.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.assets.append(a["src"])


def page_weight(session: Session, target: Target) -> dict[str, int]:
    """Bytes on a first load: HTML (gzip as a proxy would send it) plus every asset as the server sends it."""
    conn = session.conns[target.persona]
    html = conn.get(target.path).body
    parser = _AssetParser()
    parser.feed(html.decode())
    third_party = 0
    assets = 0
    fetcher = Connection(session.server, headers={"Accept-Encoding": "br, gzip"})
    for src in dict.fromkeys(parser.assets):
        parts = urlsplit(src)
        if parts.netloc and parts.netloc != f"{session.server.host}:{session.server.port}":
            third_party += 1
            continue
        reply = fetcher.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        assets += len(reply.body)
    return {
        "html": len(html),
        "html_gzip": len(gzip.compress(html, compresslevel=6)),
        "assets": assets,
        "assets_count": len(set(parser.assets)),
        "third_party": third_party,
    }


# --- Report ---


def run(small: str, large: str, *, runs: int, rounds: int, warmup: int) -> tuple[str, bool]:
    databases = {"small": small, "large": large}
    collectstatic(production_env(small))
    prepared = {size: prepare_in_subprocess(db) for size, db in databases.items()}
    ratios: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    floors: dict[str, list[float]] = defaultdict(list)
    with ExitStack() as stack:
        servers = {size: stack.enter_context(running(db)) for size, db in databases.items()}
        sessions = {size: Session(servers[size], prepared[size]) for size in databases}
        for run_no in range(runs):
            samples = measure(sessions, rounds=rounds, warmup=warmup if run_no == 0 else 1, seed=run_no)
            # One floor for both servers: the hello-world view touches no data, so its time does not
            # depend on the data set, and pooling its samples keeps one server's luck (a worker on a
            # busier core) from reading as growth on every page of that server.
            floor = statistics.median(samples[("small", FLOOR)] + samples[("large", FLOOR)])
            for size, session in sessions.items():
                floors[size].append(statistics.median(samples[(size, FLOOR)]))
                for target in session.targets:
                    values = samples[(size, target.name)]
                    ratios[(size, target.name)].append(
                        (statistics.median(values) / floor, percentile(values, 0.95) / floor)
                    )
        weights = {
            t.name: page_weight(sessions["small"], t)
            for t in sessions["small"].targets
            if t.is_html and t.method == "GET"
        }
        command = " ".join(servers["small"].command[1:])
    return render(prepared, ratios, floors, weights, runs=runs, rounds=rounds, command=command)


def render(
    prepared: dict[str, Any],
    ratios: dict[tuple[str, str], list[tuple[float, float]]],
    floors: dict[str, list[float]],
    weights: dict[str, dict[str, int]],
    *,
    runs: int,
    rounds: int,
    command: str,
) -> tuple[str, bool]:
    def med(size: str, name: str, which: int) -> float:
        return statistics.median(r[which] for r in ratios[(size, name)])

    small_m, large_m = prepared["small"]["manifest"], prepared["large"]["manifest"]
    lines = [
        f"Machine: {describe()}; load average before the run {load_average()}.",
        f"Server: `granian {command}` with production settings (DEBUG off). "
        f"{runs} runs × {rounds} interleaved rounds; figures are the median over runs.",
        f"Sizes: small = {summary(small_m)}; large = {summary(large_m)}.",
        f"Hello-world floor (p50), pooled over both servers for the ratios: small server "
        f"{statistics.median(floors['small']) * 1000:.2f} ms, large server "
        f"{statistics.median(floors['large']) * 1000:.2f} ms.",
        "",
        "| page | queries small | queries large | p50 / floor small | p95 / floor small "
        "| p50 / floor large | p95 / floor large | large ÷ small (p50) | targets |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    ok = True
    for target in targets_for(small_m):
        if target.name == FLOOR:
            continue
        q_small = prepared["small"]["queries"][target.name]
        q_large = prepared["large"]["queries"][target.name]
        small50, small95 = med("small", target.name, 0), med("small", target.name, 1)
        large50, large95 = med("large", target.name, 0), med("large", target.name, 1)
        growth = large50 / small50
        misses = []
        if q_small != q_large:
            misses.append("queries grow")
        if large50 > RATIO_TARGET:
            misses.append(f"> {RATIO_TARGET:g}×")
        if growth > GROWTH_TARGET:
            misses.append(f"growth > {GROWTH_TARGET}")
        ok = ok and not misses
        lines.append(
            f"| {target.name} | {q_small} | {q_large} | {small50:.1f} | {small95:.1f} | {large50:.1f} "
            f"| {large95:.1f} | {growth:.2f} | {'met' if not misses else 'missed: ' + ', '.join(misses)} |"
        )
    lines += [
        "",
        "Page weight on a first load (small data set; HTML as gzip would send it, assets as the server sends "
        "them with `Accept-Encoding: br, gzip`):",
        "",
        "| page | HTML | HTML gzip | assets (files) | first load, compressed | third-party requests |",
        "|---|---|---|---|---|---|",
    ]
    for name, w in weights.items():
        total = w["html_gzip"] + w["assets"]
        ok = ok and total <= WEIGHT_TARGET and w["third_party"] == 0
        lines.append(
            f"| {name} | {w['html'] / 1024:.1f} KB | {w['html_gzip'] / 1024:.1f} KB "
            f"| {w['assets'] / 1024:.1f} KB ({w['assets_count']}) | {total / 1024:.1f} KB "
            f"| {w['third_party']} |"
        )
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", help="database (SQLite path or PostgreSQL URL) at the small size")
    parser.add_argument("--large", help="database at the large size")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        print(json.dumps(prepare(args.prepare, args.manifest)))
        return 0
    if not (args.small and args.large):
        parser.error("--small and --large are required")
    table, ok = run(args.small, args.large, runs=args.runs, rounds=args.rounds, warmup=args.warmup)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
