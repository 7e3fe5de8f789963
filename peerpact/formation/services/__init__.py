"""Writes of circle formation: intakes and applications (intakes.py), solver runs, the proposal and
applying it (runs.py). The worker units are re-exported here for the app config."""

from __future__ import annotations

from peerpact.formation.services.intakes import intakes_close_due
from peerpact.formation.services.runs import runs_process

__all__ = ["intakes_close_due", "runs_process"]
