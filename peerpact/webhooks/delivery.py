"""The worker unit that POSTs webhook deliveries: claim, sign, send, record, retry, auto-disable.

Any number of workers may run `deliveries_send` at once, as with the notifications outbox:

- A claim is a lease. Due rows are picked with `FOR UPDATE SKIP LOCKED` on PostgreSQL (serialized by
  the transaction on SQLite); the claim stamps a token on them and pushes `next_attempt_at` one LEASE
  ahead, so a worker that dies mid-send leaves rows that simply come due again. Every later write checks
  the token (compare-and-set): a slow worker never undoes another's retry.
- Before each POST the lease of that one row is renewed in a guarded UPDATE, so a slow batch never lets
  another worker send the same delivery at the same time. Across a crash delivery is at-least-once; the
  `webhook-id` header is stable so receivers can drop the rare repeat.
- A failed attempt (no answer, a timeout, anything but 2xx — a redirect too, redirects are not followed)
  is retried after RETRY_DELAYS (with ±20 % jitter), then the delivery is `failed`. Every attempt is a
  DeliveryAttempt row. An error in our own code for one row is recorded like a failed attempt and never
  stops the others.
- An endpoint whose failures since its last success number DISABLE_AFTER_FAILURES or more and span at
  least DISABLE_AFTER is switched off, and the community's owner is told (kind `webhooks.disabled`).
"""

from __future__ import annotations

import logging
import random
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.communities.models import CommunityMembership, CommunityRole
from peerpact.notifications.notify import notify
from peerpact.webhooks import payloads, signing
from peerpact.webhooks.models import Delivery, DeliveryAttempt, DeliveryState, Endpoint

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
LEASE = timedelta(minutes=2)
BATCH = 20
# Waits after attempt 1, 2, …: six attempts over about 21 hours.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=16),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2
DISABLE_AFTER_FAILURES = 10
DISABLE_AFTER = timedelta(hours=24)
EXCERPT_CHARS = 500
USER_AGENT = "PeerPact-Webhooks/1"


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: the schedule, ±JITTER so a receiver that
    comes back is not hit by every retry at the same second."""
    base = RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]
    return base * (rng or random).uniform(1 - JITTER, 1 + JITTER)


def max_attempts(delivery: Delivery) -> int:
    return 1 if delivery.event_type == payloads.PING else MAX_ATTEMPTS


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (a failed one), never followed: it could point inside the network."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _excerpt(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def post(*, url: str, body: str, headers: dict[str, str]) -> Outcome:
    """POST once with a short timeout. Never raises: a failure comes back as its reason."""
    from peerpact.webhooks.services import url_problem

    problem = url_problem(url)  # again: a name may point elsewhere now than when it was saved
    if problem:
        return Outcome(error=problem)
    request = urllib.request.Request(  # noqa: S310 (the scheme was checked: https, or http if allowed)
        url,
        data=body.encode(),
        method="POST",
        headers={**headers, "Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read(EXCERPT_CHARS * 4)
            return Outcome(status_code=response.status, excerpt=_excerpt(raw), duration_ms=took())
    except urllib.error.HTTPError as exc:  # an answer, just not a 2xx one
        try:
            raw = exc.read(EXCERPT_CHARS * 4)
        except Exception:
            raw = b""
        return Outcome(
            status_code=exc.code, excerpt=_excerpt(raw), duration_ms=took(), error=f"HTTP {exc.code}"
        )
    except TimeoutError:
        return Outcome(error=_("No answer within %(seconds)s seconds.") % {"seconds": f"{TIMEOUT_SECONDS:g}"})
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return Outcome(
                error=_("No answer within %(seconds)s seconds.") % {"seconds": f"{TIMEOUT_SECONDS:g}"}
            )
        return Outcome(error=f"{type(reason).__name__}: {reason}"[:EXCERPT_CHARS], duration_ms=took())
    except Exception as exc:  # a broken connection, a bad certificate …: the reason, never a crash
        return Outcome(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS], duration_ms=took())


def deliveries_claim(*, now: datetime, limit: int = BATCH) -> tuple[str, list[Delivery]]:
    """Lease up to `limit` due deliveries to this caller. Returns the claim token and the deliveries."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Delivery.objects.due(now).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        Delivery.objects.filter(pk__in=ids).due(now).update(
            claimed_by=token, next_attempt_at=now + LEASE, attempts=F("attempts") + 1
        )
    claimed = list(Delivery.objects.filter(pk__in=ids, claimed_by=token).select_related("endpoint"))
    return token, claimed


def deliveries_send(*, now: datetime) -> bool:
    """Worker unit: claim a batch of due deliveries and send them. False when nothing was due."""
    token, claimed = deliveries_claim(now=now)
    for delivery in claimed:
        try:
            delivery_attempt(delivery=delivery, token=token, now=now)
        except Exception:  # never crash-loop on one row: its lease runs out and it is tried again
            logger.exception("webhooks: delivery %s could not be attempted", delivery.pk)
    return bool(claimed)


def delivery_send_now(*, delivery: Delivery, now: datetime) -> bool:
    """Claim one pending delivery by id and send it at once (test-send). True if it was delivered."""
    token = uuid.uuid4().hex
    won = Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
        claimed_by=token, next_attempt_at=now + LEASE, attempts=F("attempts") + 1
    )
    if not won:
        return False
    claimed = Delivery.objects.select_related("endpoint").get(pk=delivery.pk)
    return delivery_attempt(delivery=claimed, token=token, now=now)


def delivery_attempt(*, delivery: Delivery, token: str, now: datetime) -> bool:
    """Send one claimed delivery and record the attempt; succeed, schedule a retry, or give up."""
    renewed = Delivery.objects.filter(pk=delivery.pk, claimed_by=token, state=DeliveryState.PENDING).update(
        next_attempt_at=max(now, timezone.now()) + LEASE
    )
    if not renewed:
        return False  # our lease ran out and another worker has it
    endpoint = delivery.endpoint
    if delivery.attempts > max_attempts(delivery):  # claimed again and again by workers that died
        outcome = Outcome(error=_("Gave up: the worker stopped during every attempt."))
    else:
        try:
            payload = signing.body(
                event_type=delivery.event_type, occurred_at=delivery.occurred_at, data=delivery.payload
            )
            sent_at = timezone.now()
            headers = signing.headers(
                secrets=endpoint.signing_secrets(sent_at),
                msg_id=str(delivery.event_id),
                sent_at=sent_at,
                payload=payload,
            )
            outcome = post(url=endpoint.url, body=payload, headers=headers)
        except Exception as exc:  # our own bug for this row: record it like a failed attempt
            logger.exception("webhooks: delivery %s failed before sending", delivery.pk)
            outcome = Outcome(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
    _record(delivery, token=token, now=now, outcome=outcome)
    return outcome.ok


def _record(delivery: Delivery, *, token: str, now: datetime, outcome: Outcome) -> None:
    error = outcome.error or ("" if outcome.ok else f"HTTP {outcome.status_code}")
    fields: dict[str, Any] = {
        "last_attempt_at": now,
        "last_status_code": outcome.status_code,
        "last_error": error[:500],
        "response_excerpt": outcome.excerpt,
        "claimed_by": "",
    }
    if outcome.ok:
        fields.update(state=DeliveryState.SUCCEEDED, delivered_at=now, next_attempt_at=None)
    elif delivery.attempts >= max_attempts(delivery):
        fields.update(state=DeliveryState.FAILED, next_attempt_at=None)
    else:
        fields.update(next_attempt_at=now + retry_delay(delivery.attempts))
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            attempted_at=now,
            status_code=outcome.status_code,
            error=error[:500],
            response_excerpt=outcome.excerpt,
            duration_ms=outcome.duration_ms,
        )
        mine = Delivery.objects.filter(pk=delivery.pk, claimed_by=token, state=DeliveryState.PENDING).update(
            **fields
        )
        if mine and delivery.event_type != payloads.PING:  # a test ping says nothing about the endpoint
            _account(delivery.endpoint, ok=outcome.ok, now=now)


def _account(endpoint: Endpoint, *, ok: bool, now: datetime) -> None:
    """Keep the endpoint's failure streak; switch it off once the streak is long and old enough."""
    if ok:
        Endpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=0, failing_since=None, last_success_at=now
        )
        return
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce("failing_since", now)
    )
    streak = (
        Endpoint.objects.filter(pk=endpoint.pk).values_list("consecutive_failures", "failing_since").first()
    )
    if streak is None:
        return
    failures, since = streak
    if since is None or failures < DISABLE_AFTER_FAILURES or now - since < DISABLE_AFTER:
        return
    reason = _("%(count)d failed attempts in a row since %(since)s.") % {
        "count": failures,
        "since": signing.iso(since),
    }
    # Compare-and-set: of two workers failing at once, one switches it off and tells the owner.
    if Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now, disabled_reason=reason
    ):
        _tell_owner(endpoint, failures=failures, since=since, now=now)


def _tell_owner(endpoint: Endpoint, *, failures: int, since: datetime, now: datetime) -> None:
    community = endpoint.community
    url = reverse("webhooks:detail", kwargs={"community": community.slug, "endpoint": endpoint.pk})
    owners = CommunityMembership.objects.filter(community=community, role=CommunityRole.OWNER).select_related(
        "user"
    )
    for owner in owners:
        notify(
            recipient=owner.user,
            kind="webhooks.disabled",
            template="emails/webhook_disabled",
            context={
                "title": str(endpoint),
                "community": community.name,
                "endpoint": endpoint.url,
                "description": endpoint.description,
                "failures": failures,
                "since": since.isoformat(),
            },
            due_at=now,
            dedupe_key=f"webhooks.disabled:{endpoint.pk}:{int(now.timestamp())}",
            url=url,
        )
