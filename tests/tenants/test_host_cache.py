"""Host -> tenant from a per-process cache, invalidated for every process by a version in the database."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from tenancy import hosts
from tenancy.directory import directory
from tenants import services
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_a_known_host_costs_no_query_once_resolved(make_tenant, django_assert_num_queries, settings):
    make_tenant("acme")
    hosts.site_for_host(f"acme.{settings.BASE_DOMAIN}")
    with django_assert_num_queries(0):
        site = hosts.site_for_host(f"ACME.{settings.BASE_DOMAIN}:8000")
    assert site.tenant.slug == "acme"


def in_another_connection(function):
    """Run ``function`` in a thread of its own: its own connection, which sees only commits."""
    def run():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.mark.django_db(transaction=True)
def test_another_process_hears_of_a_suspension_once_it_is_committed(make_tenant, settings):
    acme = make_tenant("acme")
    host = f"acme.{settings.BASE_DOMAIN}"
    settings.TENANT_HOSTS_CHECK_INTERVAL = 0  # compare the version on every request
    other_process = hosts.HostCache()  # a worker of its own, with its own entries
    assert in_another_connection(lambda: other_process.site_for_host(host).tenant.is_active)

    with transaction.atomic():
        services.tenant_suspend(tenant=acme)
        # Nothing committed: the other worker keeps serving acme.
        assert in_another_connection(lambda: other_process.site_for_host(host).tenant.is_active)
    # The version moved in the suspension's own transaction: no on-commit step, no Redis.
    assert not in_another_connection(lambda: other_process.site_for_host(host).tenant.is_active)


def test_the_hosts_version_moves_with_every_tenant_or_domain_change(make_tenant):
    acme = make_tenant("acme")
    versions = [directory().hosts_version()]
    for change in (lambda: services.tenant_suspend(tenant=acme),
                   lambda: services.tenant_resume(tenant=acme),
                   lambda: services.domain_attach(tenant=acme, domain="jobs.acme-corp.test"),
                   lambda: Tenant.objects.filter(pk=acme.pk).update(name="Renamed")):
        change()
        versions.append(directory().hosts_version())
    assert versions == sorted(set(versions)), versions  # strictly increasing


def test_unknown_hosts_cannot_grow_the_cache_without_bound(monkeypatch, settings):
    monkeypatch.setattr(hosts, "MAX_CACHED_HOSTS", 50)
    cache = hosts.HostCache()
    for number in range(500):
        assert cache.site_for_host(f"scan-{number}.{settings.BASE_DOMAIN}") is None
        assert len(cache._sites) <= 50
