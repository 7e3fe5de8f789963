"""`Idempotency-Key` on POST: a retried create answers what the first one did instead of writing twice.

The API root (peerpact.api.urls.guarded) runs every POST that carries the header through `run`:

- the first request with a key claims it (a row in IdempotencyKey, unique per caller, key, method and
  path) and runs; a successful answer (2xx, JSON) is stored for 24 hours;
- a retry with the same key and the same body gets the stored status and body back, with
  `Idempotent-Replayed: true`, and nothing runs again;
- the same key with a different body is refused (422, code "idempotency_key_reused");
- while the first request still runs, a duplicate waits a few seconds for its answer, then gets a 409
  (code "idempotency_in_progress", Retry-After: 1);
- an answer that is not a success (4xx, 5xx) is not stored: nothing was written, so the key is freed and a
  retry runs again. A claim whose request died (no answer after LEASE) may be taken over.

Expired keys are removed by a worker unit (`keys_expire`) and, for the key being reused, on the spot.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from peerpact.api.auth import Caller
from peerpact.api.errors import error_response
from peerpact.api.models import IdempotencyKey

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX = 255
PATH_MAX = 500
KEEP = timedelta(hours=24)
LEASE = timedelta(seconds=60)  # a claim with no answer after this long belongs to a request that died
WAIT_SECONDS = 5.0  # how long a duplicate waits for the first request's answer before a 409
POLL_SECONDS = 0.05
EXPIRE_BATCH = 500


def _fingerprint(request: HttpRequest) -> str:
    return hashlib.sha256(request.body).hexdigest()


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(row.body, status=row.status_code, content_type=row.content_type)
    response[REPLAYED_HEADER] = "true"
    return response


def _reused() -> HttpResponse:
    return error_response(
        422,
        "idempotency_key_reused",
        _("This Idempotency-Key was already used for a different request. Use a new key."),
    )


def _in_progress() -> HttpResponse:
    response = error_response(
        409,
        "idempotency_in_progress",
        _("A request with this Idempotency-Key is still being processed. Try again in a moment."),
    )
    response["Retry-After"] = "1"
    return response


def _claim(
    *, caller: Caller, where: dict[str, str], fingerprint: str, now: datetime
) -> IdempotencyKey | None:
    """Insert the claim; None if the (caller, key, method, path) row already exists."""
    assert caller.user is not None  # anonymous callers never get here (see `run`)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=caller.user,
                **where,
                fingerprint=fingerprint,
                started_at=now,
                expires_at=now + KEEP,
            )
    except IntegrityError:
        return None


def _take_over(row: IdempotencyKey, *, fingerprint: str, now: datetime) -> bool:
    """Compare-and-set: claim an expired row, or one whose request died, for this request."""
    if row.expires_at <= now:
        taken = IdempotencyKey.objects.filter(pk=row.pk, expires_at=row.expires_at).update(
            fingerprint=fingerprint,
            started_at=now,
            expires_at=now + KEEP,
            status_code=None,
            content_type="",
            body="",
        )
    elif row.status_code is None and row.fingerprint == fingerprint and row.started_at <= now - LEASE:
        taken = IdempotencyKey.objects.filter(
            pk=row.pk, status_code__isnull=True, started_at=row.started_at
        ).update(started_at=now)
    else:
        return False
    if taken:
        row.refresh_from_db()
    return bool(taken)


def _settle(row: IdempotencyKey, response: HttpResponse) -> None:
    """Keep a successful JSON answer; free the key otherwise (nothing was written, a retry may run)."""
    content_type = response.get("Content-Type", "")
    if 200 <= response.status_code < 300 and content_type.startswith("application/json"):
        IdempotencyKey.objects.filter(pk=row.pk).update(
            status_code=response.status_code,
            content_type=content_type[:100],
            body=response.content.decode(),
        )
    else:
        IdempotencyKey.objects.filter(pk=row.pk, status_code__isnull=True).delete()


def run(request: HttpRequest, caller: Caller, view: Callable[[], HttpResponse]) -> HttpResponse:
    """Answer `request` through `view` once per Idempotency-Key (see the module docstring)."""
    key = request.headers.get(HEADER)
    if key is None or request.method != "POST" or caller.user is None:
        return view()  # no key, not a create, or anonymous (answered 401 by the route)
    if not key or len(key) > KEY_MAX or not key.isprintable() or not key.isascii():
        return error_response(
            400,
            "invalid_idempotency_key",
            _("The Idempotency-Key header must be 1 to %(max)d printable ASCII characters.")
            % {"max": KEY_MAX},
        )
    if len(request.path) > PATH_MAX:
        return view()
    fingerprint = _fingerprint(request)
    where: dict[str, str] = {
        "owner": caller.rate_key,
        "key": key,
        "method": request.method,
        "path": request.path,
    }
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        now = timezone.now()
        row = _claim(caller=caller, where=where, fingerprint=fingerprint, now=now)
        if row is None:
            found = IdempotencyKey.objects.filter(**where).first()
            if found is None and time.monotonic() < deadline:
                continue  # deleted between our insert and our read (expired or freed): claim again
            if found is None:
                return _in_progress()
            if found.expires_at > now and found.fingerprint != fingerprint:
                return _reused()
            if found.expires_at > now and found.is_done:
                return _replay(found)
            if _take_over(found, fingerprint=fingerprint, now=now):
                row = found
            elif time.monotonic() >= deadline:
                return _in_progress()
            else:
                time.sleep(POLL_SECONDS)
                continue
        break
    try:
        response = view()
    except BaseException:
        IdempotencyKey.objects.filter(pk=row.pk, status_code__isnull=True).delete()
        raise
    _settle(row, response)
    return response


def keys_expire(*, now: datetime) -> bool:
    """Worker unit: delete keys past their 24 hours, a batch at a time. True if it deleted any."""
    expired = list(
        IdempotencyKey.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:EXPIRE_BATCH]
    )
    if not expired:
        return False
    IdempotencyKey.objects.filter(pk__in=expired, expires_at__lte=now).delete()
    return True
