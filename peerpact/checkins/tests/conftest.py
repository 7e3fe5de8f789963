from __future__ import annotations

import pytest

from conftest import START  # noqa: F401 (imported by the tests from here)


@pytest.fixture(autouse=True)
def frozen_clock(clock):
    """Every test here starts with the clock frozen at START (root conftest), before other fixtures."""
    return clock
