"""Per-address limits on applications, counted in the (tenant-prefixed) cache.

Two fixed windows per client address: accepted applications (``CAREERS_APPLICATIONS_PER_IP``)
and attempts of any outcome (``CAREERS_APPLICATION_ATTEMPTS_PER_IP``, higher), so a candidate
who fumbles the form is not locked out while a flood of bad posts still is.

Written by hand rather than with django-ratelimit: it counts every request before the view
runs, and counting only accepted submissions is a use its maintainer advises against
(jsocol/django-ratelimit#76); here each window is two cache calls.
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


def application_attempt_check(*, ip: str | None) -> Verdict:
    """Before a submission from ``ip`` is looked at: count the attempt, and refuse once the
    address had its accepted applications or far more attempts than any candidate needs."""
    window = settings.CAREERS_APPLICATIONS_WINDOW_SECONDS
    accepted_key = _key("accepted", ip)
    accepted = cache.get(accepted_key)
    if isinstance(accepted, int) and accepted >= settings.CAREERS_APPLICATIONS_PER_IP:
        return _refused(accepted_key, window)
    attempts_key = _key("attempts", ip)
    attempts = _count(attempts_key, window)
    if attempts is None:  # the cache is down: let candidates through rather than lose them
        logger.warning("rate limit skipped for %s: cache unavailable", ip)
        return Verdict(allowed=True, retry_after=0)
    if attempts > settings.CAREERS_APPLICATION_ATTEMPTS_PER_IP:
        return _refused(attempts_key, window)
    return Verdict(allowed=True, retry_after=0)


def application_accepted_register(*, ip: str | None) -> None:
    """An application from ``ip`` was saved: it counts toward the accepted limit."""
    _count(_key("accepted", ip), settings.CAREERS_APPLICATIONS_WINDOW_SECONDS)


def _key(kind: str, ip: str | None) -> str:
    return f"careers:apply-{kind}:{ip or 'unknown'}"


def _count(key: str, window: int) -> int | None:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def _refused(key: str, window: int) -> Verdict:
    ttl = cache.ttl(key) if hasattr(cache, "ttl") else None
    return Verdict(allowed=False, retry_after=ttl if isinstance(ttl, int) and ttl > 0 else window)
