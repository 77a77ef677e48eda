"""django-redis' cache, counting hits and misses (``tenantry_cache_requests``)."""

from django_redis.cache import RedisCache as DjangoRedisCache

from observability import metrics

_MISSING = object()
_hits = metrics.cache_requests.labels("hit")
_misses = metrics.cache_requests.labels("miss")


class RedisCache(DjangoRedisCache):
    def get(self, key, default=None, version=None, client=None):
        value = super().get(key, _MISSING, version=version, client=client)
        if value is _MISSING:
            _misses.inc()
            return default
        _hits.inc()
        return value

    def get_many(self, keys, version=None, client=None):
        keys = list(keys)
        found = super().get_many(keys, version=version, client=client)
        _hits.inc(len(found))
        _misses.inc(len(keys) - len(found))
        return found
