"""Real broker, real worker: RabbitMQ on the machine (a vhost of the tests' own), or a
redis-server of our own on a free port; ``celery -A controlplane worker`` as a subprocess."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings

from controlplane.celery import app as celery_app
from tests.pgbouncer.fixtures import server_environment
from tests.servers import celery_worker_start, rabbitmq_ensure

import tests.operations.worker_tasks  # noqa: F401  (the test tasks and kind, here as in the worker)

# A vhost of the tests' own, so that nobody else's queues are touched (CI may use "/").
VHOST = os.environ.get("TEST_CELERY_VHOST", "tenantry_test")
STALE_SECONDS = 3


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    return rabbitmq_ensure(VHOST)


def use_broker(url: str | None) -> None:
    """Point this process's Celery app at ``url`` (None: back to eager, as the test settings are)."""
    from kombu import pools

    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide pools, keyed by connection: closed and forgotten
    celery_app.conf.update(broker_url=url or "", task_always_eager=url is None)


@pytest.fixture
def broker(rabbitmq_url):
    """This process sends to RabbitMQ (an emptied queue) for the test, then is eager again."""
    use_broker(rabbitmq_url)
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_declare(settings.CELERY_TASK_DEFAULT_QUEUE, durable=True,
                                                 auto_delete=False)
        connection.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    yield rabbitmq_url
    use_broker(None)


def worker_environment(broker_url: str, **extra: str) -> dict[str, str]:
    return {
        **server_environment(None),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_EXTRA_IMPORTS": "tests.operations.worker_tasks",
        "OPERATIONS_STALE_SECONDS": str(STALE_SECONDS),
        "REDIS_URL": settings.CACHES["default"].get("LOCATION", ""),
        **extra,
    }


@pytest.fixture
def start_worker(tmp_path):
    """``start(broker_url, **env)``: a worker subprocess, stopped after the test."""
    started = []

    def start(broker_url: str, *, beat: bool = False, concurrency: int = 2, **env: str):
        log = tmp_path / f"worker-{len(started)}.log"
        worker = celery_worker_start(env=worker_environment(broker_url, **env), log=log,
                                     concurrency=concurrency, beat=beat)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
        print(f"--- {worker.log} ---\n{worker.log_text()[-6000:]}")  # shown when the test failed


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.2):
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
