"""Tasks are counted and timed, and carry the request id of the request that sent them."""

import pytest
from celery import Celery
from prometheus_client import REGISTRY

from observability import celery_signals
from observability.request_context import request_id


@pytest.fixture
def app():
    app = Celery("observability-test", broker="memory://", backend="cache+memory://")
    app.conf.task_always_eager = True
    return app


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


def test_a_task_runs_with_the_request_id_it_was_sent_with_and_is_counted(app):
    seen = []

    @app.task(name="observability.test.echo")
    def echo():
        seen.append(request_id.get())
        return "done"

    assert celery_signals.connect()
    before = value("tenantry_tasks_total", task="observability.test.echo", state="SUCCESS")
    headers = {}
    token = request_id.set("rid-from-request")
    try:
        celery_signals.before_task_publish(headers=headers)
    finally:
        request_id.reset(token)
    assert headers == {celery_signals.HEADER: "rid-from-request"}
    assert echo.apply(headers=headers).get() == "done"
    assert seen == ["rid-from-request"]
    assert request_id.get() is None  # restored after the task
    assert value("tenantry_tasks_total", task="observability.test.echo", state="SUCCESS") == before + 1
    assert value("tenantry_task_duration_seconds_count", task="observability.test.echo") >= 1
