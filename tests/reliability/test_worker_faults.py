"""The worker under faults: killed at random moments, and poisoned rows in its queue.

Delivery is at-least-once (peerpact/notifications/outbox.py): a worker killed after a message went
out and before it was marked sent leaves that one message to be sent again when its lease ends. These
tests kill real worker processes at random moments, restart them, and count: nothing may be lost, and
the extra copies may not exceed one per kill (the documented window; the claimed batch, the loose bound
an outbox that marks per batch would have, is asserted too).

Knobs (`make soak` raises them): PEERPACT_SOAK_KILL_ROUNDS, PEERPACT_SOAK_MESSAGES, PEERPACT_SOAK_SEED.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from peerpact.notifications import channels, outbox
from peerpact.notifications.models import Channel, Message, MessageState
from peerpact.notifications.tests.test_outbox_processes import (
    WORKER,
    enqueue,
    sent_ids,
    start,
    wait,
    worker_env,
)
from tests.reliability.figures import knob, record

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: worker processes compete with FOR UPDATE SKIP LOCKED",
)
WORKERS_PER_ROUND = 2


@pytest.fixture
def members(make_user: Any) -> list[Any]:
    return [make_user(f"member{i}@example.com", f"Member {i}") for i in range(4)]


def mails_written(mail_dir: Path) -> int:
    """How many mails a worker has written so far (cheap: one file per mail, near enough to pick a
    moment; the exact count comes from the Message-IDs at the end)."""
    return len(list(mail_dir.iterdir())) if mail_dir.is_dir() else 0


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_workers_killed_at_random_moments_lose_nothing_and_repeat_at_most_one_per_kill(
    members: list[Any], tmp_path: Path
) -> None:
    seed = knob("PEERPACT_SOAK_SEED", 20260301)
    rounds = knob("PEERPACT_SOAK_KILL_ROUNDS", 2)
    count = knob("PEERPACT_SOAK_MESSAGES", rounds * WORKERS_PER_ROUND * outbox.BATCH)
    rng = random.Random(seed)
    messages = enqueue(members, count, "chaos")
    # Each round's workers run with a clock one lease later than the round before, so they see the rows
    # a killed worker leased as expired without the test waiting LEASE for real.
    step = outbox.LEASE + timedelta(seconds=1)
    mail_dirs: list[Path] = []
    kills = left_in_flight = 0

    for round_ in range(rounds):
        env_extra = {"TEST_CLOCK_SKEW": str((round_ * step).total_seconds())}
        running = []
        for n in range(WORKERS_PER_ROUND):
            mail_dir, log = tmp_path / f"mail-{round_}-{n}", tmp_path / f"worker-{round_}-{n}.log"
            mail_dirs.append(mail_dir)
            delay = rng.choice(["0", "0.002", "0.01"])  # how wide the sent-but-not-marked window is
            process = start(["-c", WORKER], worker_env(mail_dir, TEST_SEND_DELAY=delay, **env_extra), log)
            # The moment: mostly after a random number of its own sends (mid-batch, maybe between a send
            # and its mark), sometimes a random time after the start (maybe still booting or claiming).
            if rng.random() < 0.75:
                moment = ("mails", rng.randint(1, outbox.BATCH + outbox.BATCH // 2))
            else:
                moment = ("seconds", rng.uniform(0.0, 2.0))
            running.append((process, mail_dir, log, moment, time.monotonic()))
        deadline = time.monotonic() + 120
        while running:
            for item in list(running):
                process, mail_dir, log, (kind, value), started = item
                if process.poll() is not None:  # it emptied the queue before its moment came
                    wait(process, log, timeout=1)
                    running.remove(item)
                    continue
                reached = (
                    mails_written(mail_dir) >= value
                    if kind == "mails"
                    else time.monotonic() - started >= value
                )
                if reached:
                    process.send_signal(signal.SIGKILL)
                    kills += process.wait() == -signal.SIGKILL
                    running.remove(item)
            assert time.monotonic() < deadline, "a worker neither finished nor reached its kill moment"
            time.sleep(0.01)
        left_in_flight += Message.objects.filter(state=MessageState.SENDING).count()

    # A last worker, never killed, after every lease has run out.
    mail_dir, log = tmp_path / "mail-final", tmp_path / "worker-final.log"
    mail_dirs.append(mail_dir)
    env = worker_env(mail_dir, TEST_CLOCK_SKEW=str((rounds * step).total_seconds()))
    wait(start(["-c", WORKER], env, log), log, timeout=120)

    assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}
    sent = Counter(mid for d in mail_dirs for mid in sent_ids(d))
    expected = {outbox.message_id(m) for m in messages}
    lost = expected - set(sent)
    assert not lost, f"{len(lost)} message(s) never delivered"
    assert set(sent) == expected
    extra_copies = sum(n - 1 for n in sent.values())
    assert kills >= rounds, f"only {kills} kill(s) in {rounds} rounds: the faults did not happen"
    assert extra_copies <= kills * outbox.BATCH  # the loose at-least-once bound: a claimed batch per kill
    assert extra_copies <= kills, f"{extra_copies} extra copies after {kills} kills"  # marked one by one
    repeated = {mid for mid, n in sent.items() if n > 1}
    attempts = {outbox.message_id(m): m.attempts for m in Message.objects.all()}
    assert all(attempts[mid] >= 2 for mid in repeated)  # only a retried message can repeat
    record(
        "worker random kills",
        seed=seed,
        rounds=rounds,
        faults=kills,
        messages=count,
        deliveries=sum(sent.values()),
        duplicates=extra_copies,
        rows_in_flight_at_kills=left_in_flight,
        lost=len(lost),
    )


# --- Poisoned rows ------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def queue(user: Any, key: str, **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "recipient": user,
        "kind": "test.notice",
        "channel": Channel.EMAIL,
        "template": "emails/notice",
        "context": {"title": "Your update is due", "body": "Friday 18:00"},
        "due_at": NOW,
        "dedupe_key": key,
        "url": "/c/x/",
        **overrides,
    }
    message, _created = outbox.message_enqueue(**fields)
    return message


@pytest.mark.django_db(transaction=True)  # the worker loop closes connections, as in production
def test_poisoned_rows_end_failed_while_the_worker_delivers_everything_else(
    members: list[Any], make_user: Any, settings: Any, monkeypatch: Any, caplog: Any
) -> None:
    settings.WORKER_IDLE_SECONDS = 0
    gone = make_user("gone@example.com", "Gone")
    gone.is_active = False
    gone.save()
    poisoned = [
        queue(members[0], "poison:template", template="emails/no_such_template"),
        queue(members[1], "poison:attachment", context={"title": "t", "attachments": [{"oops": 1}]}),
        queue(gone, "poison:inactive-recipient"),
        # An error text with a NUL byte (a raw server answer): PostgreSQL cannot store it as is, and
        # before the fix the row could never be marked and stranded the rest of its batch every time.
        queue(members[2], "poison:nul-error"),
    ]
    good = [queue(members[i % 4], f"good:{i}") for i in range(2 * outbox.BATCH)]
    real_send = channels.send

    def send(message: Message) -> None:
        if message.dedupe_key == "poison:nul-error":
            raise ConnectionError("550 mailbox \x00unavailable")
        real_send(message)

    monkeypatch.setattr(channels, "send", send)
    # One `worker --once` run per attempt; between runs the clock passes the longest backoff.
    for attempt in range(outbox.MAX_ATTEMPTS):
        with time_machine.travel(NOW + attempt * (outbox.BACKOFF_CAP + timedelta(minutes=1)), tick=False):
            call_command("worker", "--once")
    from django.core import mail

    states = dict(Message.objects.values_list("dedupe_key", "state"))
    assert {states[m.dedupe_key] for m in good} == {MessageState.SENT}
    assert len(mail.outbox) == len(good)  # each good message once, none of the poisoned ones
    for message in poisoned:
        message.refresh_from_db()
        assert (message.state, message.attempts) == (MessageState.FAILED, outbox.MAX_ATTEMPTS)
        assert message.last_error and "\x00" not in message.last_error
    # The worker never fell back on its last line of defence (no crash loop): the outbox handled them.
    assert "a due-work unit failed" not in caplog.text
    assert "could not be delivered or marked" not in caplog.text
    record("poisoned rows", poisoned=len(poisoned), delivered=len(good), failed=len(poisoned))


@pytest.mark.django_db
def test_a_row_that_cannot_be_marked_does_not_strand_the_rest_of_its_batch(
    members: list[Any], monkeypatch: Any, caplog: Any
) -> None:
    """Whatever escapes one message's delivery (here: marking it fails), the others still go out."""
    first = queue(members[0], "a-first")
    others = [queue(members[1], f"b-{i}") for i in range(3)]
    real_finish = outbox._finish

    def finish(message: Message, token: str, **fields: Any) -> bool:
        if message.pk == first.pk:
            raise RuntimeError("cannot mark")
        return real_finish(message, token, **fields)

    monkeypatch.setattr(outbox, "_finish", finish)
    assert outbox.outbox_deliver_batch(now=NOW)
    assert {Message.objects.get(pk=m.pk).state for m in others} == {MessageState.SENT}
    first.refresh_from_db()
    assert first.state == MessageState.SENDING  # retried when its lease ends
    assert "could not be delivered or marked" in caplog.text
