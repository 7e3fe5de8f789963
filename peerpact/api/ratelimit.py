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
    """The caller's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the address the
    outermost of them saw (the Nth from the right of X-Forwarded-For), as allauth counts it.

    With no proxies configured the header is ignored (anyone can send it). A header shorter than the
    configured count did not pass all our proxies: the request counts under REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",")]
    if len(hops) < count or not hops[-count]:
        return remote
    return hops[-count]


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
