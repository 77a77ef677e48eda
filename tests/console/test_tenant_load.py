"""The noisy-neighbour view: the busiest tenants by requests, database time and errors."""

import pytest

from observability import tenant_stats
from tests.observability.conftest import fresh_observability_state  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plans(settings):
    settings.TENANT_PLAN_LIMITS = {
        "free": {"requests_per_second": 20, "burst": 100, "statement_timeout_ms": 5000,
                 "staff_users": 10, "open_jobs": 25},
        "enterprise": {"requests_per_second": 0, "burst": 0, "statement_timeout_ms": 0,
                       "staff_users": None, "open_jobs": None},
    }


def test_the_busiest_tenants_are_listed_with_plan_limits_and_links(console, make_tenant, tenant_client, settings):
    from tenants.models import Tenant

    settings.TENANT_URLCONF = "tests.observability.slow_urls"
    noisy, calm = make_tenant("noisy-co"), make_tenant("calm-co", plan=Tenant.Plan.ENTERPRISE)
    for _ in range(6):
        tenant_client(noisy).get("/sleep/?seconds=0")
    tenant_client(calm).get("/sleep/?seconds=0.2")
    tenant_client(calm).get("/nothing-here/")
    tenant_stats.request_record(slug="calm-co", db_seconds=0, error=True)

    page = console.get("/load/").content.decode()
    assert page.index('data-slug="noisy-co"') < page.index('data-slug="calm-co"')
    assert 'href="/tenants/noisy-co/"' in page and "Free" in page and "Enterprise" in page
    assert "20/s, burst 100" in page and "no rate limit" in page

    by_db = console.get("/load/?by=db_seconds").content.decode()
    assert by_db.index('data-slug="calm-co"') < by_db.index('data-slug="noisy-co"')
    by_errors = console.get("/load/?by=errors").content.decode()
    assert 'data-slug="calm-co"' in by_errors and 'data-slug="noisy-co"' not in by_errors  # no errors


def test_the_tenant_page_shows_plan_limits_and_quotas(console, make_tenant):
    make_tenant("limited-co")
    page = console.get("/tenants/limited-co/").content.decode()
    assert "20 requests/s (bursts of 100)" in page and "a query stops after 5000 ms" in page
    assert "staff users 0 of 10" in page and "open jobs 0 of 25" in page


def test_unlimited_plans_say_so(console, make_tenant):
    from tenants.models import Tenant

    make_tenant("unlimited-co", plan=Tenant.Plan.ENTERPRISE)
    page = console.get("/tenants/unlimited-co/").content.decode()
    assert "no request rate limit" in page and "no query timeout" in page
    assert "staff users 0 of unlimited" in page and "open jobs 0 of unlimited" in page


def test_only_platform_staff_see_the_load(platform_client):
    assert platform_client.get("/load/").status_code == 302
