import pytest

from observability import ratelimit, redis_client, tenant_stats


@pytest.fixture(autouse=True)
def fresh_observability_state():
    """No rate-limit bucket, lease or per-tenant count from another test."""
    client = redis_client.redis_client()
    for prefix in (ratelimit.KEY_PREFIX, tenant_stats.PREFIX):
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
    ratelimit._leases.clear()
    tenant_stats._pending._counts.clear()
    redis_client._down_until = 0.0
    yield
