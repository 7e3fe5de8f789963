"""The formation app's intake and the programs app's cohort fixtures, shared with these cross-app tests."""

from __future__ import annotations

import os

import pytest

from peerpact.formation.tests.conftest import intake, open_intake  # noqa: F401
from peerpact.programs.tests.conftest import cohort, module, program  # noqa: F401


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.soak` tests (intrusive, e.g. restarting PostgreSQL) run only under `make soak`."""
    if os.environ.get("PEERPACT_SOAK") == "1":
        return
    skip = pytest.mark.skip(reason="a soak test: run it with `make soak` (PEERPACT_SOAK=1)")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)
