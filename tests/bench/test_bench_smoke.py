"""`make bench` at tiny size, so the benchmark suite keeps working (CI never measures speed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Once per suite run: in the SQLite pass (the smoke run uses its own SQLite files either way).
pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="runs once, in the SQLite pass"
)


def test_bench_smoke_run_serves_every_page_and_accounts_for_every_write():
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out[-4000:] + result.stderr[-4000:]
    # Every page the issue names was requested on the production server and answered as expected.
    for page in ("home", "circle board", "tracker (8 members", "check-in submit", "organizer dashboard"):
        assert f"| {page}" in out
    assert "API: cohort submissions" in out
    assert "third-party requests" in out
    # The load run's writes all reached the database, once each.
    assert "Every write accounted for." in out
    assert "| **all** |" in out
