"""`make bench`: every benchmark in one run on this machine; the figures go into docs/performance.md.

Usage (scripts/bench.sh starts PostgreSQL and calls this):
    python -m bench.run [--fresh] [--only pages,load,…] [--no-write]
    python -m bench.run --smoke     # tiny sizes, SQLite, a few seconds per step; checks nothing but
                                    # that every step still runs and accounts for its writes

Data sets come from bench/generate.py (demo and large sizes, on SQLite and on PostgreSQL) and are kept
in var/bench/ between runs: they are rebuilt when bench/generate.py changes or with --fresh. Each step
prints a markdown section; the whole report replaces the part of docs/performance.md between the
`bench:begin` and `bench:end` markers, so the page always holds one full table from one run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.machine import describe
from bench.pages import manifest_for
from bench.server import ROOT, collectstatic, production_env

OUT = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def pg_url(name: str) -> str:
    """A database named `name` on the server PEERPACT_BENCH_PG_URL points at (created when missing)."""
    base = os.environ.get("PEERPACT_BENCH_PG_URL", "")
    if not base:
        raise SystemExit("PEERPACT_BENCH_PG_URL is not set: run `make bench`, which starts PostgreSQL")
    import psycopg

    maintenance = urlunsplit(urlsplit(base)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def generator_digest() -> str:
    return hashlib.sha256((ROOT / "bench" / "generate.py").read_bytes()).hexdigest()[:16]


def ensure_data(database: str, size: str, *, fresh: bool) -> None:
    """Fill `database` at `size` with bench/generate.py unless it already holds this generator's data."""
    manifest = manifest_for(database)
    fresh = fresh or not manifest.exists()
    if not fresh and json.loads(manifest.read_text()).get("generator_digest") == generator_digest():
        print(f"  reusing {size} data in {database_label(database)}", flush=True)
        for command in (["migrate", "--noinput"], ["insights_summaries"]):  # schema first; cheap when current
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=production_env(database),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        return
    print(f"  generating {size} data in {database_label(database)} …", flush=True)
    started = time.monotonic()
    collectstatic(production_env(database))  # the generator's page check renders with production settings
    manifest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--size", size, "--fresh", "--manifest", str(manifest)],
        cwd=ROOT,
        env=production_env(database),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _summaries(database)
    data = json.loads(manifest.read_text())
    data["generator_digest"] = generator_digest()
    data["generated_in_seconds"] = round(time.monotonic() - started, 1)
    manifest.write_text(json.dumps(data, indent=2))


def _summaries(database: str) -> None:
    """On a live install the worker writes cycle summaries as cycles close; a data set gets them here."""
    subprocess.run(
        [sys.executable, "manage.py", "insights_summaries"],
        cwd=ROOT,
        env=production_env(database),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def database_label(database: str) -> str:
    if database.startswith("postgres"):
        return f"PostgreSQL {urlsplit(database).path.strip('/')}"
    return f"SQLite {Path(database).name}"


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    command: Callable[[argparse.Namespace], list[str]]
    env: Callable[[argparse.Namespace], dict[str, str]] | None = None
    plain_text: bool = False  # the step prints aligned text, not markdown: shown as a code block


def _pages(kind: str) -> Callable[[argparse.Namespace], list[str]]:
    def command(a: argparse.Namespace) -> list[str]:
        small, large = a.databases[f"{kind}-small"], a.databases[f"{kind}-large"]
        return ["-m", "bench.pages", "--small", small, "--large", large, *a.page_args]

    return command


STEPS = [
    Step("pages-sqlite", "Key pages on SQLite", _pages("sqlite")),
    Step("pages-postgres", "Key pages on PostgreSQL", _pages("pg")),
    Step(
        "load",
        "Mixed load on PostgreSQL",
        lambda a: ["-m", "bench.load", "--database", a.databases["pg-large"], *a.load_args],
    ),
    Step(
        "worker",
        "Worker: scheduler pass and delivery throughput (PostgreSQL)",
        lambda a: ["-m", "bench.worker"],
    ),
    Step("exports", "CSV exports: peak memory at 10k and 100k rows", lambda a: ["-m", "bench.exports"]),
    Step("formation", "Circle formation", lambda a: ["-m", "bench.formation"], plain_text=True),
    Step("review", "Peer-review allocation", lambda a: ["-m", "bench.review_allocation"], plain_text=True),
]


def run_step(step: Step, args: argparse.Namespace) -> tuple[str, bool, float]:
    started = time.monotonic()
    print(f"==> {step.title}", flush=True)
    result = subprocess.run(
        [sys.executable, *step.command(args)],
        cwd=ROOT,
        env={**os.environ, **(step.env(args) if step.env else {})},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    output = result.stdout.strip()
    if result.returncode not in (0, 1) or not output:
        # 1 means "ran, and a target was missed" (the table says which); anything else is a broken step.
        output = f"**This step failed** (exit {result.returncode}):\n\n```\n{result.stderr[-3000:]}\n```"
    elif step.plain_text:
        output = f"```\n{output}\n```"
    print(output + "\n", flush=True)
    return output, result.returncode == 0, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fresh", action="store_true", help="rebuild the data sets")
    parser.add_argument("--only", default="", help="comma-separated step names")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes on SQLite; never writes the docs")
    parser.add_argument("--no-write", action="store_true", help="print, do not touch docs/performance.md")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any target is missed")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    only = {s for s in args.only.split(",") if s}
    steps = [s for s in STEPS if not only or s.name in only]
    if args.smoke:
        small = str(OUT / "smoke-small.sqlite3")
        large = str(OUT / "smoke-large.sqlite3")
        args.databases = {"sqlite-small": small, "sqlite-large": large, "pg-small": small, "pg-large": large}
        args.page_args = ["--runs", "1", "--rounds", "2", "--warmup", "1"]
        args.load_args = ["--users", "2", "--seconds", "5"]
        for database in (small, large):
            ensure_data(database, "tiny", fresh=True)
        steps = [s for s in steps if s.name in {"pages-sqlite", "load"}]
    else:
        args.databases = {
            "sqlite-small": str(OUT / "demo.sqlite3"),
            "sqlite-large": str(OUT / "large.sqlite3"),
            "pg-small": pg_url("peerpact_bench_demo"),
            "pg-large": pg_url("peerpact_bench_large"),
        }
        args.page_args = []
        args.load_args = []
        print("==> Data sets", flush=True)
        for key, database in args.databases.items():
            ensure_data(database, "demo" if key.endswith("small") else "large", fresh=args.fresh)
    sections = []
    missed = []
    for step in steps:
        output, ok, seconds = run_step(step, args)
        if not ok:
            missed.append(step.title)
        sections.append(
            f"### {step.title}\n\n`python -m {step.command(args)[1]}` ({seconds:.0f} s)\n\n{output}"
        )
    if args.smoke:
        failed = [s for s in sections if "**This step failed**" in s or "do not add up" in s]
        return 1 if failed else 0
    report = "\n\n".join(
        [
            f"Measured by `make bench` on {describe()}.",
            "### Data sets\n\n" + data_summary(args.databases),
            *sections,
        ]
    )
    if not args.no_write:
        write_report(report)
    broken = [s for s in sections if "**This step failed**" in s]
    if missed:
        print(
            f"==> Targets missed in: {', '.join(missed)} (the tables say which and docs/performance.md why)"
        )
    # A broken step is an error; a missed target is a finding, written down (an error with --strict).
    return 1 if broken or (args.strict and missed) else 0


def data_summary(databases: dict[str, str]) -> str:
    rows = ["| data set | database | rows | generated in |", "|---|---|---|---|"]
    for database in databases.values():
        manifest = json.loads(manifest_for(database).read_text())
        total = manifest["total_rows"]
        rows.append(
            f"| {manifest['size']} | {database_label(database)} "
            f"| {total:,} | {manifest.get('generated_in_seconds', '?')} s |"
        )
    return "\n".join(rows)


def write_report(report: str) -> None:
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{DOC} lacks the {BEGIN} … {END} markers")
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{report}\n{END}{tail}")
    print(f"==> Wrote the figures into {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
