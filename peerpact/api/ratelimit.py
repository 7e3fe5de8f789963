"""Requests per minute per token, per signed-in user, or per address: a fixed window in the cache.

CACHES is per-process memory by default, so each process counts on its own; set REDIS_URL to share
the count between processes and machines.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window resets


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: forwarded headers can be forged unless a proxy is configured to set them.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(key: str, *, now: float | None = None) -> Verdict:
    """Count one request for `key` and say whether it is within API_RATE_LIMIT."""
    limit = settings.API_RATE_LIMIT
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    cache_key = f"api-rate:{key}:{window}"
    # add() then incr(): atomic on Redis, and per-process memory has no other writer to race.
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=WINDOW_SECONDS + 5)
        count = 1
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return Verdict(
        allowed=count <= limit, limit=limit, remaining=max(0, limit - count), retry_after=retry_after
    )
