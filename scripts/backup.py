#!/usr/bin/env python
# ruff: noqa: T201, S603, S607 - a command-line tool: it prints, and runs pg_dump/pg_restore from PATH
"""Back up, restore and verify PeerPact's database (SQLite or PostgreSQL), as docs/operations.md says.

    python scripts/backup.py backup FILE                 # the configured database → FILE (online)
    python scripts/backup.py restore FILE [--into DB]    # FILE → the configured database (or DB)
    python scripts/backup.py verify SOURCE TARGET        # same tables, row counts and contents?

The configured database is the one the app uses (DATABASE_URL, PGHOST/PGDATABASE or SQLITE_PATH; see
.env.example). DB, SOURCE and TARGET are a SQLite file path or a postgres:// URL.

- SQLite: `backup` uses SQLite's online backup API (consistent while web and worker keep writing,
  WAL included) and checks the copy's integrity. `restore` writes the file next to the target, removes
  the target's stale -wal/-shm files and renames it into place. Stop web and workers first.
- PostgreSQL: `backup` runs `pg_dump -Fc`; `restore` runs `pg_restore --clean --if-exists --no-owner`
  (into an existing, preferably fresh, database). Stop web and workers first.
- `verify` compares every table's row count and a SHA-256 of its rows in primary-key order, prints one
  line per table and exits 1 on any difference. Run it after a restore against the source (or against
  a second restore of the same file).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def configured_database() -> str:
    """The app's own database as a SQLite path or a postgres:// URL (read from its settings)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return str(db["NAME"])
    from urllib.parse import quote

    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = (db.get("HOST") or "") + (f":{db['PORT']}" if db.get("PORT") else "")
    return f"postgres://{user}{password}@{host}/{quote(db['NAME'], safe='')}"


def is_postgres(target: str) -> bool:
    return target.startswith(("postgres://", "postgresql://"))


# --- backup and restore ---------------------------------------------------------------------------


def backup(source: str, file: Path) -> None:
    if is_postgres(source):
        subprocess.run(["pg_dump", "-Fc", "--no-owner", "-d", source, "-f", str(file)], check=True)
        return
    partial = file.with_name(file.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(source) as live, sqlite3.connect(partial) as copy:
        live.backup(copy)
    try:
        _integrity_ok(partial)
    except RuntimeError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(file)


def restore(file: Path, into: str) -> None:
    if is_postgres(into):
        subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error", "-d", into, str(file)],
            check=True,
        )
        return
    _integrity_ok(file)
    target = Path(into)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with sqlite3.connect(file) as copy, sqlite3.connect(partial) as fresh:
        copy.backup(fresh)
    for stale in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)  # they belong to the old database and must not be applied
    partial.replace(target)


def _integrity_ok(path: Path) -> None:
    with sqlite3.connect(path) as db:
        answer = db.execute("PRAGMA integrity_check").fetchone()
    if answer != ("ok",):
        raise RuntimeError(f"{path}: integrity_check says {answer}")


# --- verify ---------------------------------------------------------------------------------------


def table_figures(target: str) -> dict[str, tuple[int, str]]:
    """{table: (rows, sha256 of the rows in primary-key order)} for every table of the database."""
    if is_postgres(target):
        import psycopg

        with psycopg.connect(target) as db:
            tables = [
                row[0]
                for row in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
                )
            ]
            figures = {}
            for table in tables:
                keys = [
                    row[0]
                    for row in db.execute(
                        "SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                        " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                        " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY a.attnum",
                        (f'"{table}"',),
                    )
                ]
                order = ", ".join(f'"{k}"' for k in keys) or "1"
                rows = db.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()  # noqa: S608
                figures[table] = _digest(rows)
            return figures
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        figures = {}
        for table in tables:
            keys = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")') if row[5]]
            order = ", ".join(f'"{k}"' for k in keys) or "rowid"
            rows = db.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()  # noqa: S608
            figures[table] = _digest(rows)
        return figures


def _digest(rows: list[Any]) -> tuple[int, str]:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(tuple(row)).encode())
        digest.update(b"\n")
    return len(rows), digest.hexdigest()


def verify(source: str, target: str) -> bool:
    before, after = table_figures(source), table_figures(target)
    same = True
    for table in sorted(before.keys() | after.keys()):
        a, b = before.get(table), after.get(table)
        ok = a == b
        same &= ok
        rows = f"{a[0] if a else '-'} → {b[0] if b else '-'}"
        print(f"{'ok  ' if ok else 'DIFF'} {table}: {rows} rows{'' if ok else ' (contents differ)'}")
    total = sum(rows for rows, _digest in before.values())
    print(f"{len(before)} tables, {total} rows: {'identical' if same else 'DIFFERENT'}")
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("backup", help="back up the configured database into FILE")
    take.add_argument("file", type=Path)
    take.add_argument("--from", dest="source", help="another database than the configured one")
    put = commands.add_parser("restore", help="restore FILE into the configured database (or --into)")
    put.add_argument("file", type=Path)
    put.add_argument("--into", help="a SQLite path or postgres:// URL instead of the configured database")
    check = commands.add_parser("verify", help="compare two databases table by table")
    check.add_argument("source")
    check.add_argument("target")
    args = parser.parse_args(argv)
    if args.command == "backup":
        backup(args.source or configured_database(), args.file)
        print(f"backed up into {args.file} ({args.file.stat().st_size} bytes)")
    elif args.command == "restore":
        into = args.into or configured_database()
        restore(args.file, into)
        print(f"restored {args.file} into {into if not is_postgres(into) else 'the PostgreSQL database'}")
    else:
        return 0 if verify(args.source, args.target) else 1
    return 0


if __name__ == "__main__":
    if not shutil.which("pg_dump") and "postgres" in " ".join(sys.argv):
        print("pg_dump/pg_restore are missing: install the PostgreSQL client tools", file=sys.stderr)
        sys.exit(2)
    sys.exit(main())
