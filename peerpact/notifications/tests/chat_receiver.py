"""An HTTP server on loopback that records what Apprise posts to it (json:// URLs), for chat tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Receiver:
    """An HTTP server in a thread that records every POST; `/moved` answers with a redirect."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.received.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
                if self.path == "/moved":
                    self.send_response(302)
                    self.send_header("Location", "/hook")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                """Keep the test output clean: the receiver records requests, it does not log them."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.CHAT_ALLOW_PRIVATE_HOSTS = True  # the receiver is on loopback
    server = Receiver()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()
