"""/metrics: the root domain only, to allowed addresses or the bearer token; what it shows."""

import pytest
from django.core.cache import cache
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.django_db

TOKEN = "scrape-secret-token"


def samples(body: bytes) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode()) for s in family.samples}


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_ADDRESSES = []


def test_metrics_need_the_token_or_an_allowed_address(platform_client, token, settings):
    assert platform_client.get("/metrics").status_code == 403
    assert platform_client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert platform_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8"]
    assert platform_client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert platform_client.get("/metrics", REMOTE_ADDR="192.168.1.1").status_code == 403


def test_metrics_are_not_served_on_a_tenant_host(make_tenant, tenant_client, token):
    acme = make_tenant("acme")
    response = tenant_client(acme).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404
    assert b"tenantry_" not in response.content


def test_requests_db_time_cache_and_tenants_are_counted(make_tenant, tenant_client, platform_client, token):
    acme = make_tenant("acme")
    scrape = lambda: samples(platform_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content)  # noqa: E731
    before = scrape()
    for _ in range(3):
        assert tenant_client(acme).get("/jobs/").status_code == 200
    assert tenant_client(acme).get("/jobs/999999/").status_code == 404
    cache.set("observed", 1)
    assert (cache.get("observed"), cache.get("never-set")) == (1, None)
    assert cache.get_many(["observed", "never-set"]) == {"observed": 1}
    after = scrape()

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("tenantry_http_requests_total", view="careers:job-list", status="200") == 3
    assert delta("tenantry_http_requests_total", view="careers:job-detail", status="404") == 1
    assert delta("tenantry_http_request_duration_seconds_count", view="careers:job-list", status="200") == 3
    assert delta("tenantry_http_db_queries_total", view="careers:job-list") >= 3 * 2
    assert delta("tenantry_http_db_seconds_total", view="careers:job-list") > 0
    assert delta("tenantry_cache_requests_total", result="hit") >= 2
    assert delta("tenantry_cache_requests_total", result="miss") >= 2
    assert after[("tenantry_tenants", (("database", "default"), ("status", "active")))] >= 1
    assert after[("tenantry_tenant_requests", (("tenant", "acme"),))] == 4


def test_per_tenant_series_stay_at_top_n_plus_other_at_10000_tenants(platform_client, token, settings):
    from observability import tenant_stats

    settings.METRICS_TOP_TENANTS = 20
    for n in range(10_000):  # the first 100 send n % 50 + 1 requests, the rest one
        for _ in range(n % 50 + 1 if n < 100 else 1):
            tenant_stats.request_record(slug=f"t{n:05d}", db_seconds=0.001, error=False)
    body = platform_client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content
    for name in ("tenantry_tenant_requests", "tenantry_tenant_db_seconds", "tenantry_tenant_errors"):
        series = {dict(labels)["tenant"]: value for (metric, labels), value in samples(body).items()
                  if metric == name}
        assert len(series) == 21 and "other" in series, name
    requests = {dict(labels)["tenant"]: value for (metric, labels), value in samples(body).items()
                if metric == "tenantry_tenant_requests"}
    busiest = {f"t{n:05d}" for n in range(100) if n % 50 + 1 >= 41}  # two each of 50 down to 41
    assert set(requests) - {"other"} == busiest
    assert sum(requests.values()) == sum(n % 50 + 1 for n in range(100)) + 9_900
