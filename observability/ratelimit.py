"""Request rate per tenant: a token bucket per tenant in Redis, refilled at the plan's rate.

One Lua script takes tokens atomically (Redis' clock, so workers on several machines agree).
Each process takes a small *lease* of tokens at once (a tenth of a second's worth, at most a
quarter of the burst) and spends it locally, so a busy tenant costs a Redis round trip every
few requests instead of every one. Every request served still consumed a token from the
bucket, so the rate can never exceed the plan's; a lease unused for ``LEASE_SECONDS`` is
dropped. Redis unreachable: every request is allowed (fail open) and ``/readyz`` says so.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from redis.exceptions import RedisError

from observability import redis_client
from tenancy.limits import PlanLimits

LEASE_SECONDS = 0.5
KEY_PREFIX = "tenantry:ratelimit:"

# KEYS[1]: the bucket. ARGV: rate (tokens/s), burst, tokens wanted. Returns {granted, retry_after}.
TAKE = """
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(bucket[1]), tonumber(bucket[2])
if tokens == nil then tokens, at = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local granted = 0
if tokens >= 1 then
  granted = math.min(want, math.floor(tokens))
  tokens = tokens - granted
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
local retry_after = 0
if granted == 0 then retry_after = (1 - tokens) / rate end
return {granted, tostring(retry_after)}
"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds, for the Retry-After header


ALLOWED = Verdict(True)


class _Leases:
    def __init__(self):
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[int, float]] = {}  # slug -> (tokens left, taken at)
        self._script = None

    def take(self, slug: str, limits: PlanLimits) -> Verdict:
        if not limits.requests_per_second:
            return ALLOWED
        now = time.monotonic()
        with self._lock:
            left, taken_at = self._tokens.get(slug, (0, 0.0))
            if left > 0 and now - taken_at < LEASE_SECONDS:
                self._tokens[slug] = (left - 1, taken_at)
                return ALLOWED
        if not redis_client.available():
            return ALLOWED
        want = max(1, min(limits.burst // 4, int(limits.requests_per_second * LEASE_SECONDS / 5)))
        try:
            granted, retry_after = self._run(slug, limits, want)
        except RedisError as error:
            redis_client.failed(error)
            return ALLOWED
        if granted < 1:
            return Verdict(False, max(1, math.ceil(float(retry_after))))
        with self._lock:
            self._tokens[slug] = (int(granted) - 1, now)
            if len(self._tokens) > 10_000:  # stay bounded: drop stale leases
                self._tokens = {s: v for s, v in self._tokens.items() if now - v[1] < LEASE_SECONDS}
        return ALLOWED

    def _run(self, slug: str, limits: PlanLimits, want: int):
        client = redis_client.redis_client()
        if client is None:  # no Redis configured (dev): no rate limit
            return 1, 0
        if self._script is None:
            self._script = client.register_script(TAKE)
        return self._script(keys=[KEY_PREFIX + slug],
                            args=[limits.requests_per_second, limits.burst, want], client=client)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


_leases = _Leases()


def request_take(*, slug: str, limits: PlanLimits) -> Verdict:
    """May the tenant ``slug`` serve one more request now?"""
    return _leases.take(slug, limits)


def rate_limit_state() -> str:
    """For ``/readyz``: are limits enforced, or failing open?"""
    client = redis_client.redis_client()
    if client is None:
        return "off: the cache is not Redis (no REDIS_URL)"
    try:
        client.ping()
    except RedisError as error:
        redis_client.failed(error)
        return f"fail-open: Redis unreachable ({type(error).__name__}), requests are not limited"
    return "enforced"
