from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from peerpact.notifications.models import WorkerHeartbeat
from peerpact.notifications.worker import due_work_units, run_once

logger = logging.getLogger("peerpact.worker")


class Heartbeat:
    """This process's row in WorkerHeartbeat, touched at most every few seconds."""

    EVERY = 5.0

    def __init__(self) -> None:
        now = timezone.now()
        self.name = f"{socket.gethostname()}:{os.getpid()}:{now:%Y%m%dT%H%M%S}"
        self.row, _created = WorkerHeartbeat.objects.get_or_create(
            name=self.name, defaults={"started_at": now, "seen_at": now}
        )
        self.last = time.monotonic()
        self.passes = 0

    def beat(self, *, busy: bool, force: bool = False) -> None:
        """Count a pass that found work; write the row every EVERY seconds (or now, when forced)."""
        self.passes += busy
        if not force and time.monotonic() - self.last < self.EVERY:
            return
        WorkerHeartbeat.objects.filter(pk=self.row.pk).update(
            seen_at=timezone.now(), processed=F("processed") + self.passes
        )
        self.last, self.passes = time.monotonic(), 0


class Command(BaseCommand):
    help = "Run due work (reminders, deliveries, deadlines). Safe to run as several processes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run until nothing is due, then exit (for cron)."
        )

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        units = due_work_units()
        logger.info("worker started with %d unit(s)%s", len(units), " (--once)" if once else "")
        self.heartbeat = Heartbeat()
        while not self.stopping:
            close_old_connections()
            try:
                busy = run_once(now=timezone.now())
                self.heartbeat.beat(busy=busy)
            except Exception:
                # A unit must handle its own bad rows; this is the last line of defence.
                logger.exception("a due-work unit failed; backing off")
                busy = False
                self.nap(seconds=settings.WORKER_IDLE_SECONDS)
            if once and not busy:
                break
            if not busy:
                self.nap(seconds=settings.WORKER_IDLE_SECONDS)
        self.heartbeat.beat(busy=False, force=True)  # a short --once run still leaves its mark
        logger.info("worker stopped")

    def nap(self, *, seconds: float) -> None:
        """Sleep in short steps so a stop signal is handled promptly."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
