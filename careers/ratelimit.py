"""Per-IP limit on application attempts, counted in the (tenant-prefixed) cache.

Written by hand: a fixed window is two cache calls, smaller than any library's setup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


def application_attempt_register(*, ip: str) -> Verdict:
    """Count one application attempt from ``ip``; refuse past the limit in the window."""
    limit = settings.CAREERS_APPLICATIONS_PER_IP
    window = settings.CAREERS_APPLICATIONS_WINDOW_SECONDS
    key = f"careers:apply-attempts:{ip}"
    cache.add(key, 0, timeout=window)
    try:
        attempts = cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=window)
        attempts = 1
    if attempts is None:  # the cache is down: let candidates through rather than lose them
        logger.warning("rate limit skipped for %s: cache unavailable", ip)
        return Verdict(allowed=True, retry_after=0)
    if attempts <= limit:
        return Verdict(allowed=True, retry_after=0)
    ttl = cache.ttl(key) if hasattr(cache, "ttl") else None
    return Verdict(allowed=False, retry_after=ttl if isinstance(ttl, int) and ttl > 0 else window)
