"""gunicorn, configured by deploy/gunicorn.conf.py, serves two tenants from one process group."""

import time

import pytest

from careers.services import job_create
from tenants import context, services
from tests.live.servers import Gunicorn, tenant_host

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_tenants(make_tenant):
    tenants = []
    for slug, title in (("live-acme", "Acme Live Job"), ("live-globex", "Globex Live Job")):
        tenant = make_tenant(slug)
        with context.activated(context.scope_for_tenant(tenant)):
            job_create(title=title)
        tenants.append(tenant)
    return tenants


def test_gunicorn_serves_each_tenant_its_own_jobs(two_tenants, settings):
    acme, globex = two_tenants
    with Gunicorn(workers=2, threads=2) as server:
        for _ in range(5):  # several requests, so both workers answer both tenants
            status, body = server.get(tenant_host("live-acme"), "/jobs/")
            assert status == 200 and "Acme Live Job" in body and "Globex Live Job" not in body
            status, body = server.get(tenant_host("live-globex"), "/jobs/")
            assert status == 200 and "Globex Live Job" in body and "Acme Live Job" not in body
        assert server.get(tenant_host("nobody-here"), "/jobs/")[0] == 404
        assert server.get(settings.BASE_DOMAIN, "/healthz") == (200, "ok\n")

        # Suspended: every worker stops serving it within a second (host cache invalidation).
        services.tenant_suspend(tenant=acme)
        time.sleep(1.0)
        statuses = {server.get(tenant_host("live-acme"), "/jobs/")[0] for _ in range(20)}
        assert statuses == {503}
        assert server.get(tenant_host("live-globex"), "/jobs/")[0] == 200
    assert server.output.count("Booting worker") >= 2
