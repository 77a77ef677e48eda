"""Per-tenant load over a sliding window (requests, database time, errors), in Redis.

Every process adds up its requests per tenant and sends them at most every
``METRICS_FLUSH_SECONDS`` in one pipeline, into one sorted set per minute and measure; readers
(``/metrics``, the console) sum the minutes of the window. So the per-tenant figures are the
whole fleet's (every worker, every machine), they cost one Redis round trip a second per
process, and a reader asks only for the top N: the series count stays N + 1 ("other") however
many tenants there are (``citus_stat_tenants`` does the same for the top tenants).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from redis.exceptions import RedisError

from observability import redis_client

logger = logging.getLogger(__name__)
PREFIX = "tenantry:tenants:"
MEASURES = ("requests", "db_seconds", "errors")
BUCKET_SECONDS = 60
OTHER = "other"


@dataclass
class TenantLoad:
    slug: str
    requests: float = 0.0
    db_seconds: float = 0.0
    errors: float = 0.0


class _Pending:
    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, list[float]] = {}
        self._flushed_at = time.monotonic()

    def add(self, slug: str, db_seconds: float, error: bool) -> None:
        with self._lock:
            counts = self._counts.get(slug)
            if counts is None:
                counts = self._counts[slug] = [0, 0.0, 0]
            counts[0] += 1
            counts[1] += db_seconds
            counts[2] += error
            due = time.monotonic() - self._flushed_at >= settings.METRICS_FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, {}
            self._flushed_at = time.monotonic()
        if not counts or not redis_client.available():
            return  # best effort: counts that cannot be sent are dropped, memory stays bounded
        client = redis_client.redis_client()
        if client is None:
            return
        bucket = int(time.time()) // BUCKET_SECONDS
        keys = {measure: f"{PREFIX}{bucket}:{measure}" for measure in MEASURES}
        totals = f"{PREFIX}{bucket}:totals"
        ttl = settings.METRICS_TENANT_WINDOW_SECONDS + 2 * BUCKET_SECONDS
        try:
            with client.pipeline(transaction=False) as pipe:
                for slug, (requests, db_seconds, errors) in counts.items():
                    pipe.zincrby(keys["requests"], requests, slug)
                    if db_seconds:
                        pipe.zincrby(keys["db_seconds"], db_seconds, slug)
                    if errors:
                        pipe.zincrby(keys["errors"], errors, slug)
                pipe.hincrby(totals, "requests", sum(c[0] for c in counts.values()))
                pipe.hincrbyfloat(totals, "db_seconds", sum(c[1] for c in counts.values()))
                pipe.hincrby(totals, "errors", sum(c[2] for c in counts.values()))
                for key in (*keys.values(), totals):
                    pipe.expire(key, ttl)
                pipe.execute()
        except RedisError as error:
            redis_client.failed(error)


_pending = _Pending()


def request_record(*, slug: str, db_seconds: float, error: bool) -> None:
    _pending.add(slug, db_seconds, error)


def pending_flush() -> None:
    """Send this process's counts now (a scrape, a test, the end of a task)."""
    _pending.flush()


def _buckets(window_seconds: int) -> list[int]:
    current = int(time.time()) // BUCKET_SECONDS
    return [current - n for n in range(math.ceil(window_seconds / BUCKET_SECONDS) + 1)]


def tenants_top(*, by: str = "requests", limit: int, window_seconds: int | None = None
                ) -> tuple[list[TenantLoad], TenantLoad]:
    """The ``limit`` tenants with the most ``by`` over the window, and the rest summed as
    ``other``. Raises RedisError when Redis cannot be read (callers decide how to show it)."""
    if by not in MEASURES:
        raise ValueError(f"by must be one of {', '.join(MEASURES)}, not {by!r}")
    client = redis_client.redis_client()
    if client is None:
        return [], TenantLoad(OTHER)
    buckets = _buckets(window_seconds or settings.METRICS_TENANT_WINDOW_SECONDS)
    scratch = {measure: f"{PREFIX}scratch:{uuid.uuid4().hex}:{measure}" for measure in MEASURES}
    with client.pipeline(transaction=False) as pipe:
        for measure in MEASURES:
            pipe.zunionstore(scratch[measure], [f"{PREFIX}{b}:{measure}" for b in buckets])
            pipe.expire(scratch[measure], 30)
        pipe.zrevrange(scratch[by], 0, limit - 1, withscores=True)
        for bucket in buckets:
            pipe.hgetall(f"{PREFIX}{bucket}:totals")
        replies = pipe.execute()
    ranked = replies[2 * len(MEASURES)]
    totals = TenantLoad(OTHER)
    for reply in replies[2 * len(MEASURES) + 1:]:
        totals.requests += float(reply.get(b"requests", 0))
        totals.db_seconds += float(reply.get(b"db_seconds", 0))
        totals.errors += float(reply.get(b"errors", 0))
    slugs = [member.decode() for member, _ in ranked]
    with client.pipeline(transaction=False) as pipe:
        if slugs:
            for measure in MEASURES:
                pipe.zmscore(scratch[measure], slugs)
        pipe.delete(*scratch.values())
        scores = pipe.execute()[:-1]
    top = []
    for index, slug in enumerate(slugs):
        load = TenantLoad(slug, *((scores[m][index] or 0.0) for m in range(len(MEASURES))))
        top.append(load)
    other = TenantLoad(OTHER, *(max(0.0, getattr(totals, m) - sum(getattr(t, m) for t in top))
                                for m in MEASURES))
    return top, other
