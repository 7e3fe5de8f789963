"""Figures of the fault and fuzz tests: how long they run (knobs) and what they counted (a report).

The normal suite runs short versions. `make soak` raises the knobs through the environment and sets
PEERPACT_SOAK_REPORT to a file where each test appends one JSON line of figures; scripts/soak.py
prints the summary from it.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

logger = logging.getLogger(__name__)


def knob(name: str, default: int) -> int:
    """An integer knob from the environment (`make soak` sets larger ones)."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


def record(test: str, **figures: Any) -> None:
    """Log the figures, and append them to the soak report when one is being written."""
    logger.info("%s: %s", test, figures)
    path = os.environ.get("PEERPACT_SOAK_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as report:
            report.write(json.dumps({"test": test, **figures}) + "\n")
