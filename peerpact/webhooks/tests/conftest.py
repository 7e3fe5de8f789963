"""A local HTTP receiver in a thread (records every request; answers as told) and an endpoint on it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Hooks:
    """What the receiver answers: `status` (and `body`), after `delay` seconds; `/moved` redirects."""

    port: int = 0
    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def url(self, path: str = "hook") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def hooks(settings: Any) -> Iterator[Hooks]:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True  # the receiver is on loopback, over plain HTTP
    state = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if state.delay:
                time.sleep(state.delay)
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{state.port}/hook")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            try:
                self.send_response(state.status)
                self.send_header("Content-Length", str(len(state.body)))
                self.end_headers()
                self.wfile.write(state.body)
            except BrokenPipeError:  # the client gave up waiting (the timeout test)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the receiver records requests, it does not log them."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def endpoint(community: Any, olivia: Any, hooks: Hooks) -> Any:
    from peerpact.webhooks import services
    from peerpact.webhooks.payloads import EVENT_NAMES

    return services.endpoint_create(
        community=community, actor=olivia, url=hooks.url(), events=EVENT_NAMES, description="Our CRM"
    )
