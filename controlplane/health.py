"""``/healthz``: the process answers. ``/readyz``: every database alias and the cache answer;
which ones, and how they failed, only to ``READYZ_DETAIL_ALLOWED_IPS``."""

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from tenancy.client_ip import client_ip, ip_in
from observability.ratelimit import rate_limit_state

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request):
    checks = {f"database:{alias}": _check(lambda a=alias: _ping_database(a)) for alias in settings.DATABASES}
    checks["cache"] = _check(_ping_cache)
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "unavailable"}
    if ip_in(client_ip(request), settings.READYZ_DETAIL_ALLOWED_IPS):
        body["checks"] = checks  # alias names and error types are for operators only
        body["rate_limits"] = rate_limit_state()  # fail open, but say so
    return JsonResponse(body, status=200 if ready else 503)


def _check(probe) -> str:
    try:
        probe()
    except Exception as error:  # a probe reports, it never raises
        logger.warning("readiness check failed: %s", error)
        return f"error: {type(error).__name__}"
    return "ok"


def _ping_database(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")


def _ping_cache() -> None:
    cache = caches["default"]
    from django_redis.cache import RedisCache

    if isinstance(cache, RedisCache):
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()  # not through IGNORE_EXCEPTIONS
    else:
        cache.get("readyz")
