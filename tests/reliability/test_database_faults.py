"""Database faults against the app as it runs in production: a granian web server and a worker
process, DEBUG off, persistent connections (DB_CONN_MAX_AGE=60) with health checks (settings.py).

- PostgreSQL goes away under load (CI: the app's connections are killed and new ones refused for a
  moment, which touches only the test database; `make soak`: the whole cluster is stopped and
  started). While it is away requests may fail (503 from /healthz, 500 elsewhere); once it is back
  every request is answered 200 again and the worker delivers again, neither process restarted.
- SQLite (WAL, IMMEDIATE transactions, a 20 s busy timeout): web requests writing comments while a
  worker marks a thousand messages: no "database is locked", no failed request.
"""

from __future__ import annotations

import os
import secrets
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from peerpact.api import services as api_services
from peerpact.feedback.models import Comment
from peerpact.notifications.models import Channel, Message, MessageState, WorkerHeartbeat
from tests.reliability.figures import knob, record
from tests.reliability.test_double_submit import bob_checkin

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)  # the app's processes must see the test's rows
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite configuration")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_env() -> dict[str, str]:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return {"SQLITE_PATH": str(db["NAME"])}
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = (db["HOST"] or "") + (f":{db['PORT']}" if db["PORT"] else "")
    user = quote(db["USER"] or "", safe="")
    return {"DATABASE_URL": f"postgres://{user}{password}@{host}/{quote(db['NAME'], safe='')}"}


def production_env(tmp_path: Path) -> dict[str, str]:
    """DEBUG off, a real secret, persistent connections (CONN_MAX_AGE) with health checks."""
    dropped = ("DATABASE_URL", "PG", "SQLITE_PATH", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        DB_CONN_MAX_AGE="60",
        API_RATE_LIMIT="1000000",
        PEERPACT_VAR_DIR=str(tmp_path / "var"),
        EMAIL_BACKEND="file",
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        WORKER_IDLE_SECONDS="1",
        LOG_LEVEL="WARNING",
        **database_env(),
    )
    return env


class App:
    """A granian web server and a `manage.py worker`, started once for the whole test."""

    def __init__(self, tmp_path: Path, *, web_workers: int = 1, threads: int = 2) -> None:
        env = production_env(tmp_path)
        self.port = free_port()
        self.web_log, self.worker_log = tmp_path / "web.log", tmp_path / "worker.log"
        web = [
            *("-m", "granian", "--interface", "wsgi", "peerpact.wsgi:application"),
            *("--host", "127.0.0.1", "--port", str(self.port)),
            *("--workers", str(web_workers), "--blocking-threads", str(threads)),
        ]
        self.processes = [self._start(web, env, self.web_log)]
        self.worker = self._start(["manage.py", "worker"], env, self.worker_log)
        self.processes.append(self.worker)
        self.web = self.processes[0]

    @staticmethod
    def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=out)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, path: str, *, token: str = "", body: bytes | None = None) -> int | str:
        """The answer's status, or the kind of error when there was none."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url(path), data=body, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except (OSError, urllib.error.URLError) as error:
            return type(error).__name__

    def wait_until(self, path: str, *, token: str = "", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.request(path, token=token) != 200:
            self.alive()
            assert time.monotonic() < deadline, f"{path} did not answer 200 in {timeout}s\n{self.logs()}"
            time.sleep(0.2)

    def alive(self) -> None:
        for process in self.processes:
            assert process.poll() is None, f"a process ended ({process.returncode}):\n{self.logs()}"

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in (self.web_log, self.worker_log))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Callable[..., App]]:
    started: list[App] = []

    def start(**options: Any) -> App:
        started.append(App(tmp_path, **options))
        return started[-1]

    yield start
    for running in started:
        running.stop()


class Load:
    """Threads sending requests until stopped, each answer recorded with the phase it started in."""

    def __init__(self, app: App, paths: list[str], token: str, threads: int = 2) -> None:
        self.app, self.paths, self.token = app, paths, token
        self.phase = "before"
        self.answers: list[tuple[str, int | str]] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(threads)]
        for thread in self.threads:
            thread.start()

    def run(self, n: int) -> None:
        i = n
        while not self.stopping.is_set():
            phase = self.phase
            self.answers.append((phase, self.app.request(self.paths[i % len(self.paths)], token=self.token)))
            i += 1
            time.sleep(0.01)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def queue(users: list[Any], count: int, prefix: str, channel: str = Channel.INAPP) -> list[int]:
    due = timezone.now() - timedelta(seconds=1)
    made = Message.objects.bulk_create(
        Message(
            recipient=users[i % len(users)],
            kind="test.notice",
            channel=channel,
            template="emails/notice",
            context={"title": f"Update {i}", "body": "Friday 18:00"},
            due_at=due,
            dedupe_key=f"{prefix}:{i}",
        )
        for i in range(count)
    )
    return [m.pk for m in made]


def wait_sent(ids: list[int], app: App, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while Message.objects.filter(pk__in=ids).exclude(state=MessageState.SENT).exists():
        app.alive()
        assert time.monotonic() < deadline, f"the worker did not deliver in {timeout}s\n{app.logs()}"
        time.sleep(0.2)


# --- PostgreSQL goes away --------------------------------------------------------------------------


def refuse_connections_for(seconds: float) -> int:
    """CI-safe outage of the test database only: refuse new connections, kill the open ones (the app's
    web and worker connections), wait, allow connections again. Returns how many were killed."""
    import psycopg

    db = connection.settings_dict
    name = db["NAME"]
    maintenance = psycopg.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"],
        port=db["PORT"],
        autocommit=True,
    )
    own = connection.cursor().connection.info.backend_pid  # the test's own session stays
    with maintenance:
        maintenance.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            killed = maintenance.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> %s",
                [name, own],
            ).fetchone()[0]
            time.sleep(seconds)
        finally:
            maintenance.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    return killed


def restart_postgresql_for(seconds: float) -> int:
    """The whole cluster stopped (fast: every session killed) and started again after `seconds`."""
    cluster = shlex.split(os.environ.get("PEERPACT_SOAK_PG_CLUSTER", "15 main"))
    subprocess.run(["pg_ctlcluster", *cluster, "stop", "-m", "fast"], check=True, timeout=60)
    time.sleep(seconds)
    subprocess.run(["pg_ctlcluster", *cluster, "start"], check=True, timeout=60)
    connection.close()  # the test's own session died with the others
    return 1


def drill(app: App, users: list[Any], token: str, outage: Callable[[float], int], faults: int) -> None:
    paths = ["/healthz", "/api/v1/me", "/api/v1/communities"]
    app.wait_until("/healthz")
    wait_sent(queue(users, 20, "before"), app)
    load = Load(app, paths, token)
    killed = 0
    try:
        time.sleep(0.5)
        for n in range(faults):
            load.phase = "outage"
            killed += outage(2.0)
            app.wait_until("/healthz")
            load.phase = "after"
            # The worker, which met the outage in its loop, delivers what is queued now.
            wait_sent(queue(users, 20, f"after-{n}"), app)
            time.sleep(0.3)
    finally:
        load.stop()
    app.alive()  # neither the web server nor the worker was restarted
    for path in paths:
        assert [app.request(path, token=token) for _ in range(5)] == [200] * 5, path
    by_phase = {
        phase: Counter(status for p, status in load.answers if p == phase)
        for phase in ("before", "outage", "after")
    }
    assert set(by_phase["before"]) == {200}, by_phase
    assert set(by_phase["after"]) == {200}, f"failures after the database came back: {by_phase}"
    assert set(by_phase["outage"]) <= {200, 500, 503}, by_phase  # refused by the app, never hung or dropped
    assert WorkerHeartbeat.objects.count() == 1  # one worker process all along
    assert "a due-work unit failed" in app.worker_log.read_text()  # it met the outage and carried on
    record(
        f"postgresql outage ({outage.__name__})",
        faults=faults,
        sessions_killed=killed,
        requests=len(load.answers),
        failed_during_outage=sum(n for s, n in by_phase["outage"].items() if s != 200),
        failed_after=0,
        messages=20 * (faults + 1),
        lost=0,
    )


@pytest.fixture
def users(make_user: Any) -> list[Any]:
    return [make_user(f"member{i}@example.com", f"Member {i}") for i in range(3)]


@pytest.mark.postgres
@on_postgres
def test_web_and_worker_recover_when_postgresql_drops_their_connections(app, users, bob) -> None:
    token = api_services.token_create(user=bob, name="load").secret
    drill(app(), users, token, refuse_connections_for, faults=knob("PEERPACT_SOAK_DB_FAULTS", 1))


@pytest.mark.soak
@pytest.mark.postgres
@on_postgres
def test_web_and_worker_recover_from_a_postgresql_restart(app, users, bob) -> None:
    token = api_services.token_create(user=bob, name="load").secret
    drill(app(), users, token, restart_postgresql_for, faults=knob("PEERPACT_SOAK_DB_FAULTS", 1))


# --- SQLite under concurrent web and worker writes ---------------------------------------------------


@on_sqlite
def test_sqlite_takes_concurrent_web_and_worker_writes_without_locking_errors(
    app, users, weekly, bob
) -> None:
    checkin = bob_checkin(weekly, bob)
    token = api_services.token_create(user=bob, name="load", scope="write").secret
    ids = queue(users, knob("PEERPACT_SOAK_SQLITE_MESSAGES", 1000), "sqlite")
    running = app(web_workers=2)  # two web processes and a worker: three writers on one file
    running.wait_until("/api/v1/me", token=token)
    path = f"/api/v1/circles/{weekly.pk}/checkins/{checkin.pk}/comments"
    answers: list[int | str] = []

    def post(n: int) -> None:
        for i in range(40):
            answers.append(running.request(path, token=token, body=f'{{"body": "note {n}-{i}"}}'.encode()))

    writers = [threading.Thread(target=post, args=(n,)) for n in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    wait_sent(ids, running, timeout=120)
    running.alive()
    assert Counter(answers) == {201: 120}, Counter(answers)
    assert Comment.objects.filter(checkin=checkin).count() == 120
    logs = running.logs()
    assert "locked" not in logs and "Traceback" not in logs, logs
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    record("sqlite concurrent writes", web_writes=len(answers), worker_messages=len(ids), locked_errors=0)
