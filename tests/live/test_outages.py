"""Databases going away under traffic, on PostgreSQL servers of the test's own.

The primary restarted: every tenant answers 503 "temporarily unavailable" while it is down and
is served again once it is back, by the same gunicorn (no restart). A dedicated database down:
only its tenants answer 503; every other tenant is served throughout.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.servers import LOCALHOST, gunicorn_start, postgres_start

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
PRIMARY_SLUG, DEDICATED_SLUG = "outage-primary", "outage-dedicated"


def host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


@dataclass
class Platform:
    primary: object
    dedicated: object
    server: object
    environment: dict


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """Two PostgreSQL 15 servers (primary, dedicated), migrated, a tenant on each, gunicorn."""
    directory = tmp_path_factory.mktemp("outages")
    primary = postgres_start()
    dedicated = postgres_start()
    server = None
    try:
        primary.create_database("tenantry_outage")
        dedicated.create_database("tenantry_outage_dedicated")
        environment = {
            "DJANGO_SETTINGS_MODULE": "settings.test",
            "DATABASE_URL": primary.url("tenantry_outage"),
            "TENANT_DATABASES": f"dedicated={dedicated.url('tenantry_outage_dedicated')}",
            "AUDIT_DATABASE_URL": f"sqlite:///{directory / 'audit.sqlite3'}",
        }

        def manage(*args: str) -> None:
            result = subprocess.run([sys.executable, "manage.py", "tenants", *args], cwd=ROOT,
                                    env={**os.environ, **environment}, capture_output=True,
                                    text=True, timeout=600)
            assert result.returncode == 0, result.stderr[-3000:]

        manage("migrate")
        manage("create", PRIMARY_SLUG, "--name", "Outage Primary Co")
        manage("create", DEDICATED_SLUG, "--name", "Outage Dedicated Co", "--database", "dedicated")
        server = gunicorn_start(env=environment, log=directory / "gunicorn.log",
                                health_host=settings.BASE_DOMAIN, workers=2, threads=2)
        yield Platform(primary, dedicated, server, environment)
    finally:
        if server is not None:
            server.stop()
        primary.remove()
        dedicated.remove()


@dataclass
class Traffic:
    """Clients sending GET /jobs/ to both tenants until stopped; every answer timestamped."""

    port: int
    records: list = field(default_factory=list)  # (started, finished, slug, status, body)
    running: bool = True

    def __post_init__(self):
        self.threads = [threading.Thread(target=self.client, args=(slug,), daemon=True)
                        for slug in (PRIMARY_SLUG, DEDICATED_SLUG) for _ in range(2)]
        for thread in self.threads:
            thread.start()

    def client(self, slug: str) -> None:
        while self.running:
            started = time.monotonic()
            connection = http.client.HTTPConnection(LOCALHOST, self.port, timeout=30)
            try:
                connection.request("GET", "/jobs/", headers={"Host": host(slug)})
                response = connection.getresponse()
                status, body = response.status, response.read().decode("utf-8", "replace")
            except OSError as error:
                status, body = 0, repr(error)
            finally:
                connection.close()
            self.records.append((started, time.monotonic(), slug, status, body))
            time.sleep(0.02)

    def stop(self) -> None:
        self.running = False
        for thread in self.threads:
            thread.join(60)

    def between(self, start: float, end: float, slug: str) -> list[tuple[int, str]]:
        """Answers to requests sent after ``start`` and answered before ``end``."""
        return [(status, body) for started, finished, name, status, body in list(self.records)
                if name == slug and started >= start and finished <= end]

    def wait_until_served(self, slug: str, since: float, timeout: float = 30) -> float:
        """The moment from which ``slug`` is answered 200 (ten answers in a row)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answers = [(finished, status) for started, finished, name, status, _ in list(self.records)
                       if name == slug and started >= since]
            for index in range(len(answers) - 9):
                if all(status == 200 for _, status in answers[index:index + 10]):
                    return answers[index][0]
            time.sleep(0.2)
        pytest.fail(f"{slug} was not served again within {timeout}s of the database's return")


def served_correctly(answers, name: str) -> bool:
    return bool(answers) and all(status == 200 and name in body for status, body in answers)


def unavailable(answers) -> bool:
    return bool(answers) and all(status == 503 and "temporarily unavailable" in body.lower()
                                 for status, body in answers)


def test_the_primary_restarted_under_traffic_is_a_503_then_recovers_without_a_restart(platform):
    traffic = Traffic(platform.server.port)
    try:
        time.sleep(1.5)
        assert served_correctly(traffic.between(0, time.monotonic(), PRIMARY_SLUG), "Outage Primary Co")

        platform.primary.stop()
        down = time.monotonic()
        time.sleep(3)
        back = time.monotonic()
        platform.primary.start()
        up = time.monotonic()
        recovered = traffic.wait_until_served(PRIMARY_SLUG, since=up)
        traffic.wait_until_served(DEDICATED_SLUG, since=up)
        time.sleep(1)
    finally:
        traffic.stop()

    assert unavailable(traffic.between(down, back, PRIMARY_SLUG))
    # The dedicated tenant's host is resolved from the registry on the primary: 503 too.
    assert unavailable(traffic.between(down + 0.5, back, DEDICATED_SLUG))
    statuses = {status for _, _, _, status, _ in traffic.records}
    assert statuses <= {200, 503}, statuses  # never a 500, never a dropped connection
    assert recovered - up < 10
    assert served_correctly(traffic.between(recovered, time.monotonic(), PRIMARY_SLUG), "Outage Primary Co")
    assert platform.server.process.poll() is None  # the same gunicorn, not restarted


def test_a_dedicated_database_down_fails_only_its_own_tenants(platform):
    traffic = Traffic(platform.server.port)
    try:
        time.sleep(1.5)
        platform.dedicated.stop()
        down = time.monotonic()
        time.sleep(3)
        back = time.monotonic()
        platform.dedicated.start()
        up = time.monotonic()
        traffic.wait_until_served(DEDICATED_SLUG, since=up)
        time.sleep(1)
    finally:
        traffic.stop()

    assert unavailable(traffic.between(down, back, DEDICATED_SLUG))
    # The tenant on the primary is served throughout, before, during and after.
    assert served_correctly(traffic.between(0, time.monotonic(), PRIMARY_SLUG), "Outage Primary Co")
    statuses = {status for _, _, _, status, _ in traffic.records}
    assert statuses <= {200, 503}, statuses
