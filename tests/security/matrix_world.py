"""The access matrix's world (tests/test_access_matrix.py: every persona, every part's objects and the
objects of another circle and community), built once per test module for the security tests that
walk it. Each test runs in a savepoint inside it, so what one test changes is gone for the next."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction

from tests.test_access_matrix import ROWS, TARGETS, build_world, log_in

__all__ = ["ROWS", "TARGETS", "log_in", "world"]


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)
