"""Every write of the engagement app: pulses (pulses.py) and the re-engagement ladder (ladder.py)."""

from __future__ import annotations

from peerpact.engagement.services.ladder import case_resolve, reengagement_advance, trailing_misses
from peerpact.engagement.services.pulses import pulse_answer, pulse_open, pulses_open

__all__ = [
    "case_resolve",
    "pulse_answer",
    "pulse_open",
    "pulses_open",
    "reengagement_advance",
    "trailing_misses",
]
