"""Scale-out proofs: real `manage.py worker` processes race over one outbox on PostgreSQL.

These start operating-system processes against the pytest-django test database, so the rows they
must see are committed (`transaction=True`). Each process writes the mail it sends with Django's file
backend into its own directory, which tells us exactly which process sent what.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from peerpact.notifications import outbox
from peerpact.notifications.models import Channel, Message, MessageState, WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[3]
logger = logging.getLogger(__name__)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: worker processes compete with FOR UPDATE SKIP LOCKED "
        "(on SQLite the IMMEDIATE transaction serializes claimers; test_outbox covers that)",
    ),
]

MESSAGE_ID = re.compile(rb"^Message-ID: (<outbox-[^>]+>)\s*$", re.MULTILINE | re.IGNORECASE)

# `manage.py worker --once` with two test-only knobs, read from the environment:
# TEST_SEND_DELAY makes every delivery slow *after* the mail went out and before the row is marked
# sent (the widest at-least-once window), so a kill lands mid-batch; TEST_CLOCK_SKEW moves the
# worker's clock forward, so a restarted worker sees a dead worker's lease as expired without waiting.
WORKER = """
import os, time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerpact.settings")
import django

django.setup()
from django.core.management import call_command
from django.utils import timezone

from peerpact.notifications import channels

delay = float(os.environ.get("TEST_SEND_DELAY", "0"))
skew = timedelta(seconds=float(os.environ.get("TEST_CLOCK_SKEW", "0")))
real_send, real_now = channels.send, timezone.now


def slow_send(message):
    real_send(message)
    time.sleep(delay)


channels.send = slow_send
timezone.now = lambda: real_now() + skew
call_command("worker", "--once")
"""


def worker_env(mail_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker process: the test database, file mail into `mail_dir`."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="") + (
        f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    )
    host = f"{db['HOST'] or ''}" + (f":{db['PORT']}" if db["PORT"] else "")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "EMAIL_FILE_PATH"}}
    env.update(
        DEBUG="true",
        DATABASE_URL=f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}",
        EMAIL_BACKEND="file",
        EMAIL_FILE_PATH=str(mail_dir),
        WORKER_IDLE_SECONDS="1",
        # Message-IDs name the site's host: the same as this test process's, so they can be compared.
        SITE_URL=settings.SITE_URL,
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, *args], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )


def wait(process: subprocess.Popen[bytes], log: Path, *, timeout: float) -> None:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"worker {process.pid} did not finish in {timeout}s:\n{log.read_text()[-3000:]}")
    assert code == 0, f"worker {process.pid} exited with {code}:\n{log.read_text()[-3000:]}"


def sent_ids(mail_dir: Path) -> list[str]:
    """Every Message-ID the file backend wrote into `mail_dir`, repeats included."""
    if not mail_dir.is_dir():
        return []
    return [
        found.decode()
        for path in sorted(mail_dir.iterdir())
        for found in MESSAGE_ID.findall(path.read_bytes())
    ]


def enqueue(users: list[Any], count: int, prefix: str) -> list[Message]:
    """`count` due email messages, spread over `users`: the rows message_enqueue would make, in bulk."""
    due = timezone.now() - timedelta(minutes=1)
    Message.objects.bulk_create(
        Message(
            recipient=users[i % len(users)],
            kind="test.notice",
            channel=Channel.EMAIL,
            template="emails/notice",
            context={"title": f"Update {i} is due", "body": "Friday 18:00"},
            due_at=due,
            dedupe_key=f"{prefix}:{i}",
            url="/c/x/",
        )
        for i in range(count)
    )
    return list(Message.objects.order_by("pk"))


@pytest.fixture
def members(make_user: Any) -> list[Any]:
    return [make_user(f"member{i}@example.com", f"Member {i}") for i in range(4)]


def test_four_worker_processes_deliver_two_thousand_messages_exactly_once(members, tmp_path):
    messages = enqueue(members, 2000, "scale")
    mail_dirs = [tmp_path / f"mail-{n}" for n in range(4)]
    logs = [tmp_path / f"worker-{n}.log" for n in range(4)]

    started = time.monotonic()
    workers = [
        start(["manage.py", "worker", "--once"], worker_env(mail_dir), log)
        for mail_dir, log in zip(mail_dirs, logs, strict=True)
    ]
    for process, log in zip(workers, logs, strict=True):
        wait(process, log, timeout=120)
    elapsed = time.monotonic() - started

    assert set(Message.objects.values_list("state", "attempts")) == {(MessageState.SENT, 1)}
    per_worker = [sent_ids(mail_dir) for mail_dir in mail_dirs]
    sent = [mid for ids in per_worker for mid in ids]
    assert len(sent) == 2000
    assert len(set(sent)) == 2000, "a message was delivered twice"
    assert set(sent) == {outbox.message_id(m) for m in messages}
    # Every process started and registered itself; more than one of them really delivered.
    assert WorkerHeartbeat.objects.count() == 4
    spread = [len(ids) for ids in per_worker]
    assert sum(1 for n in spread if n) > 1, f"one process did all the work: {spread}"
    logger.info("2,000 messages, 4 worker processes: %.1fs wall; sent per process: %s", elapsed, spread)


def test_a_worker_killed_mid_batch_loses_nothing_once_its_lease_expires(members, tmp_path):
    messages = enqueue(members, 300, "crash")
    first_mail, second_mail = tmp_path / "mail-killed", tmp_path / "mail-restarted"
    first_log, second_log = tmp_path / "killed.log", tmp_path / "restarted.log"

    # Kill it in the middle of its second batch: the first is done, the second is half sent.
    kill_after = outbox.BATCH + outbox.BATCH // 2
    slow = start(["-c", WORKER], worker_env(first_mail, TEST_SEND_DELAY="0.02"), first_log)
    try:
        deadline = time.monotonic() + 60
        while len(sent_ids(first_mail)) < kill_after:
            assert slow.poll() is None, f"the slow worker exited early:\n{first_log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "the slow worker sent too little in 60s"
            time.sleep(0.01)
        slow.send_signal(signal.SIGKILL)  # no chance to finish the batch or mark anything
    finally:
        if slow.poll() is None:
            slow.kill()
        slow.wait()
    before_restart = sent_ids(first_mail)
    states = Counter(Message.objects.values_list("state", flat=True))
    in_flight = set(Message.objects.filter(state=MessageState.SENDING).values_list("pk", flat=True))
    assert states[MessageState.SENDING] > 0, f"not killed mid-batch: {dict(states)}"
    assert states[MessageState.SENDING] + states[MessageState.SENT] <= 2 * outbox.BATCH

    # A plain worker whose clock is past the dead worker's lease (instead of waiting LEASE for real).
    skew = outbox.LEASE + timedelta(seconds=1)
    env = worker_env(second_mail, TEST_CLOCK_SKEW=str(skew.total_seconds()))
    wait(start(["-c", WORKER], env, second_log), second_log, timeout=60)

    assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}
    retried = set(Message.objects.filter(attempts=2).values_list("pk", flat=True))
    assert retried == in_flight
    assert set(Message.objects.exclude(pk__in=in_flight).values_list("attempts", flat=True)) == {1}
    sent = Counter(before_restart + sent_ids(second_mail))
    assert set(sent) == {outbox.message_id(m) for m in messages}, "a message was lost"
    repeats = {mid: n for mid, n in sent.items() if n > 1}
    # At-least-once: only a message that went out but was not yet marked sent when the process died
    # can repeat. A loose bound is the claimed batch (outbox.BATCH); but the outbox marks each message
    # right after sending it, so a worker that sends one at a time leaves at most one such message.
    extra_copies = sum(n - 1 for n in sent.values())
    assert extra_copies <= 1, repeats
    assert set(repeats) <= {outbox.message_id(m) for m in messages if m.pk in in_flight}
    logger.info(
        "killed after %d sent with %d rows in flight; the restarted worker sent %d; repeats: %d",
        len(before_restart),
        states[MessageState.SENDING],
        len(sent_ids(second_mail)),
        len(repeats),
    )


def test_four_worker_processes_deliver_a_mixed_outbox_exactly_once(members, tmp_path):
    """In-app rows are delivered by the claim itself (marked sent in the claiming transaction), emails
    one by one: 1,000 of each, four processes, every row claimed once and every email sent once."""
    emails = enqueue(members, 1000, "mixed-email")
    due = timezone.now() - timedelta(minutes=1)
    Message.objects.bulk_create(
        Message(
            recipient=members[i % len(members)],
            kind="test.notice",
            channel=Channel.INAPP,
            template="emails/notice",
            context={"title": f"Update {i}"},
            due_at=due,
            dedupe_key=f"mixed-inapp:{i}",
        )
        for i in range(1000)
    )
    mail_dirs = [tmp_path / f"mail-{n}" for n in range(4)]
    logs = [tmp_path / f"worker-{n}.log" for n in range(4)]
    workers = [
        start(["manage.py", "worker", "--once"], worker_env(mail_dir), log)
        for mail_dir, log in zip(mail_dirs, logs, strict=True)
    ]
    for process, log in zip(workers, logs, strict=True):
        wait(process, log, timeout=120)

    assert set(Message.objects.values_list("state", "attempts")) == {(MessageState.SENT, 1)}
    assert Message.objects.filter(channel=Channel.INAPP, state=MessageState.SENT).count() == 1000
    sent = [mid for mail_dir in mail_dirs for mid in sent_ids(mail_dir)]
    assert sorted(sent) == sorted(outbox.message_id(m) for m in emails), "an email was lost or repeated"
