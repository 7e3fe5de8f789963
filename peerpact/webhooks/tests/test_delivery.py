"""The worker against a real HTTP receiver in a thread: success, retries with backoff, timeouts,
redirects, giving up, auto-disable with a message to the owner, and no crash-loop on one bad row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from peerpact.notifications.models import Message
from peerpact.webhooks import delivery, services, signing
from peerpact.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Endpoint


def _queue(endpoint, n=1, event_type="member.joined"):
    now = timezone.now()
    return [
        Delivery.objects.create(
            endpoint=endpoint, event_type=event_type, occurred_at=now, payload={"n": i}, next_attempt_at=now
        )
        for i in range(n)
    ]


def test_a_due_delivery_is_posted_and_marked_delivered(endpoint, hooks) -> None:
    hooks.body = b'{"thanks": true}'
    [row] = _queue(endpoint)
    now = timezone.now()
    assert delivery.deliveries_send(now=now) is True
    row.refresh_from_db()
    assert (row.state, row.last_status_code, row.attempts, row.next_attempt_at) == (
        DeliveryState.SUCCEEDED,
        200,
        1,
        None,
    )
    assert row.response_excerpt == '{"thanks": true}'
    [attempt] = row.attempt_log.all()
    assert attempt.ok and attempt.status_code == 200
    assert Endpoint.objects.get(pk=endpoint.pk).last_success_at == now
    assert delivery.deliveries_send(now=now) is False  # nothing left
    assert len(hooks.received) == 1 and hooks.received[0].headers["user-agent"] == delivery.USER_AGENT


def test_a_500_is_retried_with_backoff_then_delivered(endpoint, hooks) -> None:
    hooks.status, hooks.body = 500, b"database down"
    [row] = _queue(endpoint)
    now = timezone.now()
    delivery.deliveries_send(now=now)
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING and row.last_status_code == 500
    assert row.response_excerpt == "database down" and row.last_error == "HTTP 500"
    first = delivery.RETRY_DELAYS[0]
    assert now + first * 0.8 <= row.next_attempt_at <= now + first * 1.2
    assert delivery.deliveries_send(now=row.next_attempt_at - timedelta(seconds=1)) is False  # not yet
    hooks.status = 204
    delivery.deliveries_send(now=row.next_attempt_at)
    row.refresh_from_db()
    assert row.state == DeliveryState.SUCCEEDED and row.attempt_log.count() == 2
    assert Endpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0


def test_the_backoff_grows_to_about_a_day_with_jitter() -> None:
    import random
    from itertools import pairwise

    rng = random.Random(4)
    delays = [delivery.retry_delay(n, rng=rng) for n in range(1, delivery.MAX_ATTEMPTS)]
    assert all(a < b for a, b in pairwise(delays))
    assert timedelta(hours=17) < sum(delays, timedelta()) < timedelta(hours=26)
    assert len({delivery.retry_delay(1) for _ in range(20)}) > 1  # jittered


def test_a_slow_endpoint_times_out_and_is_retried(endpoint, hooks, monkeypatch) -> None:
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 0.2)
    hooks.delay = 1.0
    [row] = _queue(endpoint)
    delivery.deliveries_send(now=timezone.now())
    row.refresh_from_db()
    assert row.state == DeliveryState.PENDING and row.last_status_code is None
    assert "No answer within 0.2 seconds" in row.last_error


def test_a_redirect_is_a_failure_and_is_not_followed(endpoint, hooks, olivia) -> None:
    services.endpoint_update(endpoint=endpoint, actor=olivia, url=hooks.url("moved"), events=endpoint.events)
    [row] = _queue(endpoint)
    delivery.deliveries_send(now=timezone.now())
    row.refresh_from_db()
    assert row.last_status_code == 302 and row.state == DeliveryState.PENDING
    assert [r.path for r in hooks.received] == ["/moved"]


def test_after_the_last_attempt_the_delivery_is_failed(endpoint, hooks) -> None:
    hooks.status = 503
    [row] = _queue(endpoint)
    now = timezone.now()
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliveries_send(now=now)
        row.refresh_from_db()
        now = row.next_attempt_at or now
    assert row.state == DeliveryState.FAILED and row.next_attempt_at is None
    assert row.attempt_log.count() == delivery.MAX_ATTEMPTS
    assert delivery.deliveries_send(now=now + timedelta(days=2)) is False


def test_an_endpoint_failing_for_a_day_is_switched_off_and_the_owner_told_once(
    endpoint, hooks, olivia, otto
) -> None:
    hooks.status = 500
    rows = _queue(endpoint, n=delivery.DISABLE_AFTER_FAILURES)
    start = timezone.now()
    delivery.deliveries_send(now=start)  # ten failures at once: not yet a day
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == delivery.DISABLE_AFTER_FAILURES
    a_day_later = start + timedelta(days=1)
    Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(next_attempt_at=a_day_later)
    delivery.deliveries_send(now=a_day_later)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at == a_day_later
    assert endpoint.disabled_reason.startswith("11 failed attempts in a row since")
    told = Message.objects.filter(kind="webhooks.disabled")
    assert {m.recipient for m in told} == {olivia}  # the owner, not the organizer
    assert told.filter(channel="email").count() == 1
    # Switched off: its queued deliveries wait, and a new event queues nothing.
    assert delivery.deliveries_send(now=a_day_later + timedelta(days=1)) is False
    services.endpoint_enable(endpoint=endpoint, actor=olivia)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0 and endpoint.disabled_reason == ""


def test_a_success_resets_the_failure_streak(endpoint, hooks) -> None:
    hooks.status = 500
    _queue(endpoint, n=3)
    delivery.deliveries_send(now=timezone.now())
    assert Endpoint.objects.get(pk=endpoint.pk).consecutive_failures == 3
    hooks.status = 200
    Delivery.objects.update(next_attempt_at=timezone.now())
    delivery.deliveries_send(now=timezone.now())
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.failing_since is None


def test_one_broken_row_does_not_stop_the_others(endpoint, hooks, monkeypatch) -> None:
    bad, good = _queue(endpoint, n=2)
    real = signing.body

    def body(**kwargs):
        if kwargs["data"] == bad.payload:
            raise ValueError("cannot serialize")
        return real(**kwargs)

    monkeypatch.setattr(signing, "body", body)
    delivery.deliveries_send(now=timezone.now())
    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.state == DeliveryState.SUCCEEDED
    assert bad.state == DeliveryState.PENDING and "ValueError: cannot serialize" in bad.last_error


def test_a_worker_that_died_mid_send_leaves_the_row_to_another_after_the_lease(endpoint, hooks) -> None:
    [row] = _queue(endpoint)
    now = timezone.now()
    token, claimed = delivery.deliveries_claim(now=now)  # ... and then this worker dies
    assert claimed == [row]
    assert delivery.deliveries_claim(now=now)[1] == []  # leased: nobody else takes it
    delivery.deliveries_send(now=now + delivery.LEASE + timedelta(seconds=1))
    row.refresh_from_db()
    assert row.state == DeliveryState.SUCCEEDED and len(hooks.received) == 1
    # The dead worker's late write loses the compare-and-set.
    assert delivery.delivery_attempt(delivery=claimed[0], token=token, now=now) is False


def test_a_failed_delivery_can_be_retried_now(endpoint, hooks, olivia) -> None:
    [row] = _queue(endpoint)
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.FAILED, next_attempt_at=None, attempts=6)
    row.refresh_from_db()
    services.delivery_retry(delivery=row, actor=olivia, now=timezone.now())
    assert delivery.deliveries_send(now=timezone.now()) is True
    row.refresh_from_db()
    assert row.state == DeliveryState.SUCCEEDED


def test_a_test_ping_reaches_even_a_switched_off_endpoint_and_does_not_count(endpoint, hooks, olivia) -> None:
    services.endpoint_disable(endpoint=endpoint, actor=olivia, now=timezone.now())
    hooks.status = 500
    ping = services.endpoint_test_send(endpoint=endpoint, actor=olivia, now=timezone.now())
    assert ping.state == DeliveryState.FAILED and ping.last_status_code == 500  # one attempt only
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    assert DeliveryAttempt.objects.filter(delivery=ping).count() == 1


@pytest.mark.parametrize("member", ["bob", "erin"])
def test_only_organizers_may_send_or_retry(endpoint, request, member, circle) -> None:
    from django.core.exceptions import PermissionDenied

    user = request.getfixturevalue(member)
    with pytest.raises(PermissionDenied):
        services.endpoint_test_send(endpoint=endpoint, actor=user, now=timezone.now())
