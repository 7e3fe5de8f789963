from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from peerpact.notifications import worker

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def units(monkeypatch):
    registered: list = []
    monkeypatch.setattr(worker, "_units", registered)
    return registered


def test_run_once_reports_whether_any_unit_had_work(units):
    calls = []

    def idle(*, now):
        calls.append("idle")
        return False

    def busy(*, now):
        calls.append("busy")
        return True

    worker.register(idle)
    worker.register(busy)
    worker.register(busy)  # registering twice is harmless
    assert worker.run_once(now=None) is True
    assert calls == ["idle", "busy"]


@pytest.mark.django_db(transaction=True)  # the loop closes connections, as in production
def test_once_mode_drains_due_work_then_exits(units, settings):
    settings.WORKER_IDLE_SECONDS = 1
    queue = [1, 2, 3]

    def drain(*, now):
        if not queue:
            return False
        queue.pop()
        return True

    worker.register(drain)
    call_command("worker", "--once")
    assert queue == []
    from peerpact.notifications.models import WorkerHeartbeat

    assert WorkerHeartbeat.objects.get().processed == 3  # written on exit, though the run was short


@pytest.mark.django_db(transaction=True)
def test_a_failing_unit_does_not_kill_the_worker(units, settings, caplog):
    settings.WORKER_IDLE_SECONDS = 1
    attempts = []

    def flaky(*, now):
        attempts.append(now)
        raise RuntimeError("bad row")

    worker.register(flaky)
    call_command("worker", "--once")
    assert len(attempts) == 1
    assert "a due-work unit failed" in caplog.text


def test_the_worker_process_stops_promptly_on_sigterm(tmp_path):
    # Its own migrated SQLite file, whatever database the suite itself runs on.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="true", WORKER_IDLE_SECONDS="30", SQLITE_PATH=str(tmp_path / "worker.sqlite3"))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        line = ""
        while "worker started" not in line and time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
        assert "worker started" in line, f"worker did not start (exit code {process.poll()})"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "worker stopped" in process.stdout.read()
    finally:
        process.kill()


@pytest.mark.django_db
def test_the_heartbeat_records_the_process_and_its_work(monkeypatch):
    from peerpact.notifications.management.commands.worker import Heartbeat
    from peerpact.notifications.models import WorkerHeartbeat

    heartbeat = Heartbeat()
    monkeypatch.setattr(Heartbeat, "EVERY", 0.0)
    heartbeat.beat(busy=True)
    heartbeat.beat(busy=True)
    row = WorkerHeartbeat.objects.get()
    assert row.name == heartbeat.name and str(os.getpid()) in row.name
    assert row.processed == 2 and row.seen_at >= row.started_at
