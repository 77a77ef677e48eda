"""The Redis that rate limits and per-tenant counts live in: the cache's (django-redis' pool).

Both fail open: after an error Redis is left alone for ``BACKOFF_SECONDS``, so an outage
costs one short timeout a second per process, not one per request.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)
BACKOFF_SECONDS = 1.0

_lock = threading.Lock()
_down_until = 0.0
_last_error = ""


def redis_client():
    """A redis-py client on the cache's connection pool, or None when the cache is not Redis."""
    from django.core.cache import caches
    from django_redis.cache import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return None
    return cache.client.get_client(write=True)


def available() -> bool:
    return time.monotonic() >= _down_until


def failed(error: Exception) -> None:
    """Note an outage: callers fail open, and Redis is not asked again for a moment."""
    global _down_until, _last_error
    with _lock:
        first = time.monotonic() >= _down_until
        _down_until = time.monotonic() + BACKOFF_SECONDS
        _last_error = f"{type(error).__name__}: {error}"
    if first:
        logger.warning("Redis unreachable, rate limits fail open: %s", error)


def last_error() -> str:
    return _last_error
