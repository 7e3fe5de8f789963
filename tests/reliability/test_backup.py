"""Backups (docs/operations.md): scripts/backup.py backs up the demo data, restores it into a fresh
database, and the restored copy has every table with the same rows (counts and content checksums in
primary-key order). The script runs as the operator would run it, in its own process."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from peerpact.accounts.models import User
from peerpact.insights.tests.test_community_export import _seed
from tests.reliability.figures import knob, record

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # the script's process must see the seeded rows


def script(
    *args: str, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/backup.py", *args],
        cwd=ROOT,
        env=env or dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


@pytest.fixture
def seeded(circle: Any, alice: Any, bob: Any, other_community: Any) -> None:
    """Check-ins, goals, two communities; `make soak` seeds the whole demo (slow) instead."""
    if knob("PEERPACT_SOAK_DEMO", 0):
        from peerpact.insights.demo import seed_demo

        seed_demo()
    else:
        _seed(circle, alice, bob, other_community)
    assert User.objects.count() >= 4


def pg_url(name: str) -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = (db["HOST"] or "") + (f":{db['PORT']}" if db["PORT"] else "")
    return f"postgres://{quote(db['USER'] or '', safe='')}{password}@{host}/{quote(name, safe='')}"


def figures(output: str) -> str:
    return output.strip().splitlines()[-1]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite procedure")
def test_sqlite_backup_restores_into_a_fresh_file_with_every_row(tmp_path: Path, seeded: None) -> None:
    live = str(connection.settings_dict["NAME"])
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PGHOST", "PGDATABASE"}}
    env.update(SQLITE_PATH=live, DEBUG="true")
    backup, restored = tmp_path / "backup.sqlite3", tmp_path / "restored.sqlite3"
    script("backup", str(backup), env=env)  # online: the suite's own connection stays open
    Path(f"{restored}-wal").write_bytes(b"stale")  # a leftover of the file it replaces
    script("restore", str(backup), "--into", str(restored), env=env)
    assert not Path(f"{restored}-wal").exists()
    result = script("verify", live, str(restored))
    assert result.stdout.strip().endswith("identical"), result.stdout
    assert "DIFF" not in result.stdout

    # The comparison notices a changed row, not only a missing one.
    with sqlite3.connect(restored) as db:
        db.execute(
            "UPDATE accounts_user SET display_name = display_name || '!'"
            " WHERE id = (SELECT min(id) FROM accounts_user)"
        )
    changed = script("verify", live, str(restored), check=False)
    assert changed.returncode == 1 and "DIFF accounts_user" in changed.stdout
    record("backup sqlite", summary=figures(result.stdout), lost=0)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL procedure")
def test_postgresql_backup_restores_into_a_fresh_database_with_every_row(
    tmp_path: Path, seeded: None
) -> None:
    source = pg_url(connection.settings_dict["NAME"])
    fresh = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:6]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env = {k: v for k, v in os.environ.items() if k not in {"PGHOST", "PGDATABASE"}}
        env.update(DATABASE_URL=source, DEBUG="true")
        backup = tmp_path / "peerpact.dump"
        script("backup", str(backup), env=env)
        assert backup.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        script("restore", str(backup), "--into", pg_url(fresh), env=env)
        result = script("verify", source, pg_url(fresh))
        assert result.stdout.strip().endswith("identical"), result.stdout
        assert "DIFF" not in result.stdout

        import psycopg

        with psycopg.connect(pg_url(fresh), autocommit=True) as db:
            db.execute(
                "DELETE FROM notifications_message WHERE id = (SELECT max(id) FROM notifications_message)"
            )
        changed = script("verify", source, pg_url(fresh), check=False)
        assert changed.returncode == 1 and "DIFF notifications_message" in changed.stdout
        record("backup postgresql", summary=figures(result.stdout), lost=0)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
