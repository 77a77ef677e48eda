"""Metrics and limits on real gunicorn workers (deploy/gunicorn.conf.py, multiprocess mode)."""

import http.client
import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from prometheus_client.parser import text_string_to_metric_families

from tests.observability.conftest import fresh_observability_state  # noqa: F401
from tests.servers import gunicorn_start

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
TOKEN = "live-metrics-token"
TOP = 5


def request(port: int, host: str, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def scrape(port: int) -> list:
    status, _, body = request(port, settings.BASE_DOMAIN, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, body
    return [sample for family in text_string_to_metric_families(body) for sample in family.samples]


def value(samples, name, **labels) -> float:
    return sum(s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, tmp_path_factory):
    directory: Path = tmp_path_factory.mktemp("obs-gunicorn")
    config = connections["default"].settings_dict
    access_log = directory / "access.log"
    server = gunicorn_start(
        env={
            "DJANGO_SETTINGS_MODULE": "settings.test",
            "DATABASE_URL": f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}",
            "METRICS_TOKEN": TOKEN,
            "METRICS_TOP_TENANTS": str(TOP),
            "METRICS_FLUSH_SECONDS": "0",
            "TENANT_PLAN_LIMITS": json.dumps({"free": {"requests_per_second": 2, "burst": 5}}),
            "GUNICORN_ACCESS_LOG": str(access_log),
            "GUNICORN_CMD_ARGS": "--access-logformat='%(p)s %(s)s %({host}i)s %(U)s'",
        },
        log=directory / "gunicorn.log", health_host=settings.BASE_DOMAIN, workers=2, threads=1,
    )
    server.access_log = access_log
    yield server
    server.stop()


def workers_that_answered(access_log: Path, host: str, status: str, path: str) -> Counter:
    rows = [line.split() for line in access_log.read_text().splitlines()]
    return Counter(pid for pid, code, name, url in rows if (name, code, url) == (host, status, path))


def test_metrics_sum_every_worker(gunicorn):
    before = value(scrape(gunicorn.port), "tenantry_http_requests_total", view="healthz", status="200")
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        for _ in range(10):  # bursts until both workers have answered some
            statuses = list(pool.map(lambda _: request(gunicorn.port, settings.BASE_DOMAIN, "/healthz")[0], range(40)))
            assert statuses == [200] * 40
            sent += 40
            time.sleep(0.3)  # the access log reaches the disk
            if len(workers_that_answered(gunicorn.access_log, settings.BASE_DOMAIN, "200", "/healthz")) == 2:
                break
        else:
            pytest.fail("one worker answered every request")
    after = value(scrape(gunicorn.port), "tenantry_http_requests_total", view="healthz", status="200")
    assert after - before == sent  # one answer, every worker's counts


def test_metrics_on_a_tenant_host_is_404_and_without_token_or_address_403(gunicorn, make_tenant):
    acme = make_tenant("metrics-acme")
    host = f"{acme.slug}.{settings.BASE_DOMAIN}"
    assert request(gunicorn.port, host, "/metrics", {"Authorization": f"Bearer {TOKEN}"})[0] == 404
    assert request(gunicorn.port, settings.BASE_DOMAIN, "/metrics")[0] == 403  # 127.0.0.1 is not allowed
    assert request(gunicorn.port, settings.BASE_DOMAIN, "/metrics", {"Authorization": "Bearer nope"})[0] == 403


def test_a_thousand_tenants_make_at_most_top_n_plus_one_tenant_series(gunicorn):
    from tenants.models import Domain, Tenant

    # Registry rows only (no schemas): /healthz on a tenant host reads nothing in the schema,
    # and goes through host -> tenant, the rate limit and the per-tenant counts like any page.
    slugs = [f"crowd-{n:04d}" for n in range(1000)]
    tenants = Tenant.objects.bulk_create(
        Tenant(slug=slug, name=slug, schema_name=f"tenant_{slug.replace('-', '_')}") for slug in slugs)
    Domain.objects.bulk_create(Domain(domain=f"{t.slug}.{settings.BASE_DOMAIN}", tenant=t, is_primary=True)
                               for t in tenants)
    busy = slugs[:3]
    traffic = slugs + busy * 4  # three tenants get 5 requests, the rest one each
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(
            lambda slug: request(gunicorn.port, f"{slug}.{settings.BASE_DOMAIN}", "/healthz")[0], traffic))
    assert statuses == [200] * len(traffic)
    samples = scrape(gunicorn.port)
    for name in ("tenantry_tenant_requests", "tenantry_tenant_db_seconds", "tenantry_tenant_errors"):
        tenants_seen = {s.labels["tenant"] for s in samples if s.name == name}
        assert len(tenants_seen) <= TOP + 1 and "other" in tenants_seen, name
    requests = {s.labels["tenant"]: s.value for s in samples if s.name == "tenantry_tenant_requests"}
    assert set(busy) <= set(requests) and all(requests[slug] == 5 for slug in busy)
    assert sum(requests.values()) == len(traffic)
    labelled = [s for s in samples if "tenant" in s.labels]
    assert len({s.labels["tenant"] for s in labelled}) <= TOP + 1
    assert value(samples, "tenantry_tenants", database="default", status="active") >= 1000


def test_a_tenant_over_its_rate_gets_429_while_another_keeps_200_on_the_same_workers(gunicorn, make_tenant):
    noisy, quiet = make_tenant("live-noisy"), make_tenant("live-quiet")
    noisy_host, quiet_host = (f"{t.slug}.{settings.BASE_DOMAIN}" for t in (noisy, quiet))
    before = value(scrape(gunicorn.port), "tenantry_rate_limited_requests_total", plan="free")
    traffic = [noisy_host] * 30
    for index in range(0, 30, 6):
        traffic.insert(index, quiet_host)  # five quiet requests among the noisy ones: its burst
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda host: (host, *request(gunicorn.port, host, "/jobs/")[:2]), traffic))
    noisy_codes = [status for host, status, _ in answers if host == noisy_host]
    assert [status for host, status, _ in answers if host == quiet_host] == [200] * 5
    assert noisy_codes.count(200) >= 5 and noisy_codes.count(429) >= 15
    assert all(int(headers["Retry-After"]) >= 1 for host, status, headers in answers if status == 429)
    refused = workers_that_answered(gunicorn.access_log, noisy_host, "429", "/jobs/")
    kept = workers_that_answered(gunicorn.access_log, quiet_host, "200", "/jobs/")
    assert set(refused) & set(kept)  # a worker that refused the noisy tenant served the quiet one
    after = value(scrape(gunicorn.port), "tenantry_rate_limited_requests_total", plan="free")
    assert after - before == noisy_codes.count(429)  # counted by whichever worker refused
