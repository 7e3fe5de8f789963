"""Smoke run of bench/worker.py at a tiny size: the scheduler pass creates exactly the due reminders,
once, in the same number of queries at two sizes; the delivery loops deliver every message exactly
once. (Counts only: never times.)"""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from bench import worker as bench
from peerpact.notifications import outbox

pytestmark = pytest.mark.django_db


def test_the_scheduler_pass_creates_exactly_the_due_reminders_once_in_the_same_queries_at_any_size():
    expected = bench.scheduler_build(100, tag="s1")
    first = bench.scheduler_pass()
    assert expected.due > 0
    assert (first.reminders, first.messages) == (expected.due, expected.messages)
    assert bench.scheduler_pass().messages == 0  # the second pass creates nothing

    bench.scheduler_reset()
    expected = bench.scheduler_build(100, tag="s2", expected=expected)  # twice the members now
    bigger = bench.scheduler_pass()
    assert (bigger.reminders, bigger.messages) == (expected.due, expected.messages)
    assert bigger.queries == first.queries


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the raw loop is PostgreSQL's SKIP LOCKED")
def test_our_delivery_and_the_raw_loop_each_deliver_every_message_exactly_once():
    bench.outbox_fill(200)
    for _ in range(100):  # bounded: a bug must fail the test, not hang it
        if not outbox.outbox_deliver_batch(now=timezone.now()):
            break
    assert bench.exactly_once() == (True, "sent×1: 200")
    with connection.cursor() as cursor:
        assert bench.raw_claim_loop(cursor, commit=lambda: None) == 200
    assert bench.exactly_once(bench.RAW_TABLE) == (True, "sent×1: 200")
