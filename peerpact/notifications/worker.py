"""The worker's registry of due-work units.

A unit is a function `unit(*, now) -> bool` that does one small piece of due work and
returns whether there was any. Apps register their units in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

DueWorkUnit = Callable[..., bool]

_units: list[DueWorkUnit] = []


def register(unit: DueWorkUnit) -> DueWorkUnit:
    """Add a unit (usable as a decorator). Registering twice is harmless."""
    if unit not in _units:
        _units.append(unit)
    return unit


def due_work_units() -> list[DueWorkUnit]:
    return list(_units)


def run_once(*, now: datetime) -> bool:
    """Run every unit once; True if any of them found work."""
    busy = False
    for unit in due_work_units():
        busy = unit(now=now) or busy
    return busy
