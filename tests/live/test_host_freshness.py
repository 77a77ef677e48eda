"""A committed suspension reaches every gunicorn worker within 2 s even if its author was killed
right after the commit (before any on-commit step), with Redis up and with Redis down."""

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.live.test_gunicorn import get, host, served_by
from tests.pgbouncer.fixtures import server_environment
from tests.servers import free_port, gunicorn_start
from tests.servers import RedisServer

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]

# Suspends a tenant and dies by SIGKILL in the first on-commit callback: after the commit,
# before anything the platform would do on commit (the old Redis bump among them).
SUSPEND_AND_DIE = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from tenants import selectors, services
with transaction.atomic():
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    services.tenant_suspend(tenant=selectors.tenant_get(slug=sys.argv[1]))
"""


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(free_port(), tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def environment(own_redis):
    return {**server_environment(None), "REDIS_URL": f"redis://127.0.0.1:{own_redis.port}/0"}


@pytest.fixture(autouse=True)
def _drop_fresh_c():
    yield
    with connections["default"].cursor() as cursor:
        cursor.execute('DROP SCHEMA IF EXISTS "tenant_fresh_c" CASCADE')


@pytest.fixture
def gunicorn(environment, tmp_path):
    access_log = tmp_path / "access.log"
    server = gunicorn_start(
        env={**environment, "GUNICORN_ACCESS_LOG": str(access_log),
             "GUNICORN_CMD_ARGS": "--access-logformat='%(p)s %(s)s %({host}i)s'"},
        log=tmp_path / "gunicorn.log", health_host=settings.BASE_DOMAIN, workers=2, threads=1,
    )
    server.access_log = access_log
    yield server
    server.stop()


def suspend_and_die(slug: str, environment: dict) -> float:
    """Run the suspension in a process of its own; the moment it died (monotonic)."""
    result = subprocess.run([sys.executable, "-c", SUSPEND_AND_DIE, slug], cwd=ROOT,
                            env={**os.environ, **environment}, capture_output=True, text=True,
                            timeout=120)
    died = time.monotonic()
    assert result.returncode == -signal.SIGKILL, result.stderr
    return died


def test_a_suspension_whose_author_died_after_commit_reaches_every_worker_within_2s(
    make_tenant, gunicorn, environment, own_redis,
):
    make_tenant("fresh-a")
    make_tenant("fresh-b")
    # One created as an operator would, so the platform's own Redis has seen every on-commit
    # step it would on a running platform (before this fix, a generation counter there).
    created = subprocess.run([sys.executable, "manage.py", "tenants", "create", "fresh-c", "--name", "C"],
                             cwd=ROOT, env={**os.environ, **environment}, capture_output=True,
                             text=True, timeout=120)
    assert created.returncode == 0, created.stderr

    with ThreadPoolExecutor(8) as pool:
        def burst(slug: str) -> set[int]:
            return {status for status, _ in pool.map(lambda _: get(gunicorn.port, host(slug)), range(40))}

        def warm(slug: str) -> None:
            """Both workers have cached the tenant as active."""
            for _ in range(20):
                assert burst(slug) == {200}
                time.sleep(0.3)  # the access log reaches the disk
                if len(served_by(gunicorn.access_log, host(slug), "200")) == 2:
                    return
            pytest.fail(f"one worker never served {slug}")

        def statuses_after(slug: str, died: float) -> set[int]:
            """What both workers answer from 2 s after the author died."""
            time.sleep(max(0.0, died + 2.0 - time.monotonic()))
            return burst(slug) | burst(slug)

        for slug in ("fresh-a", "fresh-b", "fresh-c"):
            warm(slug)

        # Redis up, but nobody tells it: the author died before any on-commit step.
        assert statuses_after("fresh-a", suspend_and_die("fresh-a", environment)) == {503}

        # Redis down as well.
        own_redis.stop()
        assert statuses_after("fresh-b", suspend_and_die("fresh-b", environment)) == {503}
        assert burst("fresh-c") == {200}  # the others are still served
