"""Durable operations: a worker killed mid-way is followed by one that resumes where it stopped
(or the operation fails with its reason), never "running" forever; with the broker down, the
console and the CLI say so, nothing is lost, and the work runs once the broker is back."""

from __future__ import annotations

import io
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client

from careers.models import Job
from operations import selectors, services
from operations.models import Operation
from tenancy import context
from tests.factories import UserFactory
from tests.operations.conftest import STALE_SECONDS, use_broker, wait_for
from tests.servers import RedisServer, free_port

ALL = ["default", "dedicated", "audit"]
pytestmark = [pytest.mark.live, pytest.mark.django_db(databases=ALL, transaction=True)]


def operation(operation_id: int) -> Operation:
    return selectors.operation_get(operation_id=operation_id)


def steps_in(tenant, tag: str) -> dict[str, str]:
    with context.activated(context.scope_for_tenant(tenant)):
        return dict(Job.objects.filter(title__startswith=tag).values_list("title", "description"))


def start_slow(tenant, tag: str, total: int = 6, seconds: float = 1.0) -> int:
    started = services.operation_start(kind="tests.slow_steps", tenant=tenant, requested_by="test",
                                       params={"total": total, "seconds": seconds, "tag": tag})
    assert started.sent is True
    return started.operation.pk


def test_a_worker_killed_mid_operation_is_resumed_where_it_stopped_and_finishes_once(
        make_tenant, broker, start_worker):
    tenant = make_tenant(database_alias="dedicated")
    worker = start_worker(broker, concurrency=1)
    operation_id = start_slow(tenant, "kill")
    wait_for(lambda: operation(operation_id).done >= 2, timeout=60, what="two steps")

    worker.kill9()
    killed = operation(operation_id)
    assert killed.state == Operation.State.RUNNING and killed.attempts == 1
    start_worker(broker, concurrency=1)  # RabbitMQ delivers the unacknowledged message again

    done = wait_for(lambda: (op := operation(operation_id)).is_finished and op, timeout=120,
                    what="the operation to finish after the restart")
    assert (done.state, done.done, done.total, done.result) == ("succeeded", 6, 6, {"steps": 6}), done.message
    assert done.attempts == 2  # one run killed, one that resumed
    steps = steps_in(tenant, "kill")
    assert sorted(steps) == [f"kill step {n}" for n in range(6)]  # each step's row exactly once
    for step in range(killed.done):  # what was done before the kill was not done again
        assert steps[f"kill step {step}"] == "run from 0"
    assert steps["kill step 5"] == f"run from {steps['kill step 5'].split()[-1]}" != "run from 0"


def test_an_operation_whose_workers_keep_dying_is_failed_with_the_reason(make_tenant, broker,
                                                                         start_worker):
    tenant = make_tenant()
    worker = start_worker(broker, concurrency=1, OPERATIONS_MAX_ATTEMPTS="1")
    operation_id = start_slow(tenant, "doomed", total=10)
    wait_for(lambda: operation(operation_id).done >= 1, timeout=60, what="a step")
    worker.kill9()
    start_worker(broker, concurrency=1, OPERATIONS_MAX_ATTEMPTS="1")

    failed = wait_for(lambda: (op := operation(operation_id)).is_finished and op, timeout=60,
                      what="the operation to be failed")
    assert failed.state == Operation.State.FAILED
    assert "Stopped after 1 attempts: its worker was lost each time" in failed.message


def test_the_sweeper_takes_back_a_stale_operation_and_resumes_it(make_tenant, settings):
    """What beat's ``operations.sweep`` does when no message comes back (eager here)."""
    tenant = make_tenant()
    settings.OPERATIONS_STALE_SECONDS = 1
    op = Operation.objects.create(kind="tests.slow_steps", tenant_id=tenant.pk,
                                  tenant_slug=tenant.slug, params={"total": 3, "seconds": 0, "tag": "swept"})
    claimed = services.operation_claim(operation_id=op.pk, worker="lost-worker")
    services.operation_progress(operation=claimed, done=1, total=3)  # then the worker vanished
    time.sleep(1.2)

    swept = services.operations_sweep()
    assert (swept.requeued, swept.resent) == (1, 1)
    done = operation(op.pk)
    assert (done.state, done.done, done.attempts) == ("succeeded", 3, 2)
    assert sorted(steps_in(tenant, "swept")) == ["swept step 1", "swept step 2"]  # resumed at 1


def mailed_to(directory, address: str) -> int:
    return sum(path.read_text().count(f"To: {address}") for path in directory.glob("*.log"))


def audit_rows(action: str, object_repr: str) -> int:
    with connections["audit"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE action = %s AND object_repr = %s",
                       [action, object_repr])
        return cursor.fetchone()[0]


def test_with_the_broker_down_actions_say_so_lose_nothing_and_run_once_it_is_back(
        tmp_path, start_worker):
    redis = RedisServer(free_port(), tmp_path / "redis.log")  # our own broker, to stop at will
    redis.start()
    use_broker(redis.url)
    try:
        redis.stop()
        out, err = io.StringIO(), io.StringIO()
        call_command("tenants", "create", "brokerless", "--name", "Brokerless",
                     "--admin-email", "boss@brokerless.example", stdout=out, stderr=err)
        assert "Created Brokerless" in out.getvalue()
        assert "the task broker is unreachable; the e-mail is kept and goes out by itself" in err.getvalue()

        err = io.StringIO()
        call_command("tenants", "operations", "start", "audit.deliver", stdout=io.StringIO(), stderr=err)
        assert "the task broker is unreachable: it will start as soon as the broker is back" in err.getvalue()

        with context.activated(context.public_scope()):
            admin = UserFactory(is_superuser=True, username="ops@tenantry.example")
        console = Client(HTTP_HOST=settings.BASE_DOMAIN)
        console.force_login(admin)
        page = console.post("/operations/start/", {"kind": "audit.deliver"}, follow=True)
        assert page.status_code == 200
        assert "the task broker is unreachable: it will start as soon as the broker is back" in \
            page.content.decode()

        waiting = Operation.objects.filter(state=Operation.State.QUEUED)
        assert waiting.filter(kind="audit.deliver").count() == 2
        assert waiting.filter(kind="task.undelivered", params__task="tenants.invite_email_send").count() == 1
        assert audit_rows("tenant.created", "brokerless on default") == 0  # waiting in the outbox

        mail = tmp_path / "mail"
        mail.mkdir()
        redis.start()
        start_worker(redis.url, beat=True, OPERATIONS_SWEEP_SECONDS="1",
                     OPERATIONS_REQUEUE_AFTER_SECONDS="1", AUDIT_DELIVER_SECONDS="1",
                     EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                     EMAIL_FILE_PATH=str(mail))
        wait_for(lambda: not Operation.objects.exclude(state=Operation.State.SUCCEEDED).exists()
                 and mailed_to(mail, "boss@brokerless.example"), timeout=90,
                 what="everything kept to run once the broker is back")
        time.sleep(3)  # a few more sweeps and deliveries: nothing runs twice
        assert mailed_to(mail, "boss@brokerless.example") == 1
        assert audit_rows("tenant.created", "brokerless on default") == 1
        assert Operation.objects.filter(kind="audit.deliver", state="succeeded").count() == 2
    finally:
        use_broker(None)
        redis.stop()
        from tenants.models import Tenant
        from tenants import schemas
        for tenant in Tenant.objects.filter(slug="brokerless"):
            with context.activated(context.public_scope()):
                schemas.schema_drop(tenant=tenant)
