"""Host -> tenant from a per-process cache, invalidated through Redis for every process."""

import pytest

from tenancy import hosts
from tenants import services

pytestmark = pytest.mark.django_db


def test_a_known_host_costs_no_query_once_resolved(make_tenant, django_assert_num_queries, settings):
    make_tenant("acme")
    hosts.site_for_host(f"acme.{settings.BASE_DOMAIN}")
    with django_assert_num_queries(0):
        site = hosts.site_for_host(f"ACME.{settings.BASE_DOMAIN}:8000")
    assert site.tenant.slug == "acme"


def test_another_process_hears_of_a_suspension_once_it_is_committed(
    make_tenant, settings, django_capture_on_commit_callbacks
):
    acme = make_tenant("acme")
    host = f"acme.{settings.BASE_DOMAIN}"
    hosts._bump_generation()  # the counter exists, as on any running platform
    settings.TENANT_HOSTS_CHECK_INTERVAL = 0  # compare the generation on every request
    other_process = hosts.HostCache()  # a worker of its own, with its own entries
    assert other_process.site_for_host(host).tenant.is_active

    with django_capture_on_commit_callbacks() as on_commit:
        services.tenant_suspend(tenant=acme)
    assert other_process.site_for_host(host).tenant.is_active  # nothing committed: kept
    for callback in on_commit:
        callback()  # the commit bumps the generation in Redis
    assert not other_process.site_for_host(host).tenant.is_active


def test_unknown_hosts_cannot_grow_the_cache_without_bound(monkeypatch, settings):
    monkeypatch.setattr(hosts, "MAX_CACHED_HOSTS", 50)
    cache = hosts.HostCache()
    for number in range(500):
        assert cache.site_for_host(f"scan-{number}.{settings.BASE_DOMAIN}") is None
        assert len(cache._sites) <= 50
