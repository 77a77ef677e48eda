"""Per-plan limits on a tenant's requests: rate (429, Retry-After) and statement_timeout."""

import time

import pytest
from django.db import connection

from tenancy import limits
from tests.tenants.test_redis_outage import own_redis  # noqa: F401

pytestmark = pytest.mark.django_db

SLOW_URLS = "tests.observability.slow_urls"


@pytest.fixture
def plans(settings):
    settings.TENANT_PLAN_LIMITS = {
        "free": {"requests_per_second": 2, "burst": 4, "statement_timeout_ms": 300,
                 "staff_users": 2, "open_jobs": 2},
        "team": {"requests_per_second": 50, "burst": 100, "statement_timeout_ms": 1000,
                 "staff_users": 10, "open_jobs": 10},
        "enterprise": {"requests_per_second": 0, "burst": 0, "statement_timeout_ms": 5000,
                       "staff_users": None, "open_jobs": None},
    }
    return settings.TENANT_PLAN_LIMITS


def test_a_tenant_over_its_rate_gets_429_while_another_keeps_200(make_tenant, tenant_client, plans):
    noisy, quiet = make_tenant("noisy"), make_tenant("quiet")
    noisy_statuses, quiet_statuses = [], []
    for _ in range(10):
        noisy_statuses.append(tenant_client(noisy).get("/jobs/"))
    quiet_statuses = [tenant_client(quiet).get("/jobs/").status_code for _ in range(3)]
    codes = [r.status_code for r in noisy_statuses]
    assert codes[:4] == [200] * 4 and 429 in codes  # the burst, then refused
    refused = next(r for r in noisy_statuses if r.status_code == 429)
    assert int(refused["Retry-After"]) >= 1
    assert b"Too many requests" in refused.content
    assert quiet_statuses == [200, 200, 200]
    time.sleep(1.1)  # the bucket refills at 2 a second
    assert tenant_client(noisy).get("/jobs/").status_code == 200


def test_the_rate_limit_fails_open_when_redis_is_down_and_readyz_says_so(
        own_redis, make_tenant, tenant_client, platform_client, plans):  # noqa: F811
    acme = make_tenant("acme")
    assert platform_client.get("/readyz").json()["rate_limits"] == "enforced"
    own_redis.stop()
    assert [tenant_client(acme).get("/jobs/").status_code for _ in range(10)] == [200] * 10
    ready = platform_client.get("/readyz").json()
    assert ready["rate_limits"].startswith("fail-open: Redis unreachable")


@pytest.mark.django_db(transaction=True)  # a cancelled statement aborts its transaction
def test_a_slow_query_is_cancelled_at_the_free_plans_timeout_but_completes_on_enterprise(
        make_tenant, tenant_client, plans, settings):
    from tenants.models import Tenant

    settings.TENANT_URLCONF = SLOW_URLS
    free = make_tenant("slow-free")
    big = make_tenant("slow-big", plan=Tenant.Plan.ENTERPRISE)
    started = time.monotonic()
    response = tenant_client(free).get("/sleep/?seconds=2")
    assert time.monotonic() - started < 1.5
    assert response.status_code == 503
    assert b"This page took too long" in response.content and b"300 ms" in response.content
    assert tenant_client(big).get("/sleep/?seconds=0.6").content == b"slept 0.6"
    # The same query on a free tenant's page, under its timeout, completes too.
    assert tenant_client(free).get("/sleep/?seconds=0.1").content == b"slept 0.1"


def test_the_timeout_travels_in_the_search_path_message_and_only_in_requests(make_tenant, plans):
    from django.test.utils import CaptureQueriesContext

    from tenancy import context

    free = make_tenant("sent-free")
    with context.activated(context.scope_for_tenant(free)):
        with CaptureQueriesContext(connection) as outside:
            connection.cursor().execute("SELECT 1")
        with limits.statement_limits(), connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("300ms",)
    assert "statement_timeout" not in outside.captured_queries[-1]["sql"]


def test_an_unknown_plan_fails_loud(plans):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="no plan 'gold'"):
        limits.plan_limits("gold")
