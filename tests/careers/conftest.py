import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in Redis: every test starts from none (tests reuse slugs)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme", name="Acme Corporation")


@pytest.fixture
def globex(make_tenant):
    return make_tenant("globex", name="Globex Corporation")
