"""The pinned production server every page benchmark runs against, and a lean HTTP client for it.

Ratios mean nothing unless the server is fixed, so every page figure in bench/ comes from the same
server: granian serving the WSGI app with production settings (DEBUG off, cached template loader,
manifest static files) and two worker processes, on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
BENCH_SECRET = "bench-secret-key-not-for-production-0123456789-abcdefghijklmnop"


def database_env(database: str) -> dict[str, str]:
    """Settings variables selecting `database`: a PostgreSQL URL or a SQLite file path."""
    if database.startswith(("postgres://", "postgresql://")):
        return {"DATABASE_URL": database}
    return {"SQLITE_PATH": str(Path(database).resolve())}


def production_env(database: str, *, port: int = 0) -> dict[str, str]:
    """The environment of a production-like process on `database` (server, worker or bench driver).

    The API rate limit is lifted: the benchmark sends thousands of requests from one token on purpose.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SQLITE_PATH", "DEBUG", "PGDATABASE", "PGHOST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="peerpact.settings",
        DEBUG="false",
        SECRET_KEY=BENCH_SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_COOKIES="false",
        SITE_URL=f"http://127.0.0.1:{port or 8000}",
        CSRF_TRUSTED_ORIGINS=f"http://127.0.0.1:{port or 8000}",
        API_RATE_LIMIT="100000000",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="console",
        PEERPACT_VAR_DIR=str(ROOT / "var" / "bench"),
    )
    env.update(database_env(database))
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


_collected: set[str] = set()


def collectstatic(env: dict[str, str]) -> None:
    """Production settings serve hashed, compressed static files: build them once per process."""
    if env["PEERPACT_VAR_DIR"] in _collected:
        return
    _collected.add(env["PEERPACT_VAR_DIR"])
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    command: tuple[str, ...]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def running(database: str, *, workers: int = WORKERS, log: Path | None = None) -> Iterator[Server]:
    """Start granian on a free port against `database`; stop it (and its workers) on exit."""
    port = free_port()
    env = production_env(database, port=port)
    collectstatic(env)
    command = (
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "wsgi",
        "--workers",
        str(workers),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-ws",
        "--log-level",
        "warning",
        "peerpact.wsgi:application",
    )
    log_path = log or ROOT / "var" / "bench" / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server("127.0.0.1", port, command)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        _stop(process)


def _wait_until_up(server: Server, process: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"granian exited with {process.returncode}; see var/bench/server.log")
        try:
            status = Connection(server).get("/healthz/live").status
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.2)
    raise RuntimeError("granian did not answer /healthz/live within 90 s; see var/bench/server.log")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]
    seconds: float


class Connection:
    """One keep-alive HTTP/1.1 connection with its own cookies (kept from Set-Cookie) and headers."""

    def __init__(
        self, server: Server, *, cookies: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ):
        self.server = server
        self.cookies = dict(cookies or {})
        self.headers = headers or {}
        self._conn = http.client.HTTPConnection(server.host, server.port, timeout=60)

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        sent = {"Host": f"{self.server.host}:{self.server.port}", **self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self._conn.request(method, path, body=body, headers=sent)
                response = self._conn.getresponse()
                data = response.read()
                seconds = time.perf_counter() - started
                for line in response.msg.get_all("Set-Cookie") or []:
                    name, _, rest = line.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
                return Reply(response.status, data, {k.lower(): v for k, v in response.getheaders()}, seconds)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once, then give up.
                self._conn.close()
                self._conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, *, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def close(self) -> None:
        self._conn.close()
