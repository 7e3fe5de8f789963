from __future__ import annotations

import logging
import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from peerpact.notifications.worker import due_work_units, run_once

logger = logging.getLogger("peerpact.worker")


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
        while not self.stopping:
            close_old_connections()
            try:
                busy = run_once(now=timezone.now())
            except Exception:
                # A unit must handle its own bad rows; this is the last line of defence.
                logger.exception("a due-work unit failed; backing off")
                busy = False
                self.nap(seconds=settings.WORKER_IDLE_SECONDS)
            if once and not busy:
                break
            if not busy:
                self.nap(seconds=settings.WORKER_IDLE_SECONDS)
        logger.info("worker stopped")

    def nap(self, *, seconds: float) -> None:
        """Sleep in short steps so a stop signal is handled promptly."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.2, deadline - time.monotonic()))

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
