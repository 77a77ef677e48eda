"""gunicorn from deploy/gunicorn.conf.py serves tenants; a suspension reaches every worker in 1 s."""

import http.client
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from careers.services import job_create
from tenancy import context
from tenants import services
from tests.servers import gunicorn_start

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def get(port: int, hostname: str, path: str = "/jobs/") -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": hostname})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.fixture
def two_tenants(make_tenant):
    for slug, title in (("live-acme", "Acme Live Job"), ("live-globex", "Globex Live Job")):
        tenant = make_tenant(slug)
        with context.activated(context.scope_for_tenant(tenant)):
            job_create(title=title)
    return make_tenant  # noqa: the tenants are reached through their hosts


@pytest.fixture
def gunicorn(tmp_path: Path):
    config = connections["default"].settings_dict
    access_log = tmp_path / "access.log"
    server = gunicorn_start(
        env={
            "DJANGO_SETTINGS_MODULE": "settings.test",
            "DATABASE_URL": f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}",
            "GUNICORN_ACCESS_LOG": str(access_log),
            "GUNICORN_CMD_ARGS": "--access-logformat='%(p)s %(s)s %({host}i)s'",
        },
        # One thread per worker: concurrent requests must then be shared by both workers.
        log=tmp_path / "gunicorn.log", health_host=settings.BASE_DOMAIN, workers=2, threads=1,
    )
    server.access_log = access_log
    yield server
    server.stop()


def served_by(access_log: Path, hostname: str, status: str) -> set[str]:
    """PIDs of the workers that answered ``hostname`` with ``status``."""
    rows = [line.split() for line in access_log.read_text().splitlines()]
    return {pid for pid, code, name in rows if name == hostname and code == status}


def test_gunicorn_serves_each_tenant_its_own_jobs(two_tenants, gunicorn):
    for _ in range(5):
        status, body = get(gunicorn.port, host("live-acme"))
        assert status == 200 and "Acme Live Job" in body and "Globex Live Job" not in body
        status, body = get(gunicorn.port, host("live-globex"))
        assert status == 200 and "Globex Live Job" in body and "Acme Live Job" not in body
    assert get(gunicorn.port, host("nobody-here"))[0] == 404
    assert get(gunicorn.port, settings.BASE_DOMAIN, "/healthz") == (200, "ok\n")


def test_a_suspended_tenant_stops_being_served_within_a_second_by_every_worker(two_tenants, gunicorn):
    from tenants.models import Tenant

    acme = Tenant.objects.get(slug="live-acme")
    with ThreadPoolExecutor(8) as pool:
        def statuses_until_both_workers_answer(status: str) -> set[int]:
            """Concurrent bursts until both workers have answered acme with ``status``."""
            seen = set()
            for _ in range(10):
                seen |= {code for code, _ in pool.map(lambda _: get(gunicorn.port, host("live-acme")), range(40))}
                time.sleep(0.3)  # the access log reaches the disk
                if len(served_by(gunicorn.access_log, host("live-acme"), status)) == 2:
                    return seen
            pytest.fail(f"one worker never answered {status}")

        assert statuses_until_both_workers_answer("200") == {200}  # both cached acme's host

        services.tenant_suspend(tenant=acme)
        time.sleep(1.0)
        # From one second after the suspension on, no worker serves acme any more.
        assert statuses_until_both_workers_answer("503") == {503}
    assert get(gunicorn.port, host("live-globex"))[0] == 200
