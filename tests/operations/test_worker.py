"""A real worker (``celery -A controlplane worker``) on RabbitMQ runs every task in the tenant it
was sent from, on the database the registry names when it runs, and never runs one for a
tenant that is gone or suspended."""

from __future__ import annotations

import itertools
import secrets

import pytest
from django.conf import settings

from careers.models import Job
from tenancy import context, tasks
from tenants import schemas, services
from tenants.models import Tenant
from tests.operations.conftest import wait_for
from tests.operations.worker_tasks import PROBE_TASK

ALL = ["default", "dedicated", "audit"]
pytestmark = [pytest.mark.live, pytest.mark.django_db(databases=ALL, transaction=True)]

TASKS_PER_TENANT = 100


def jobs_in(tenant: Tenant) -> list[Job]:
    with context.activated(context.scope_for_tenant(tenant)):
        return list(Job.objects.order_by("id"))


def probe(tenant: Tenant, marker: str, number: int) -> None:
    assert tasks.send(PROBE_TASK, kwargs={"marker": marker, "number": number},
                      scope=context.scope_for_tenant(tenant))


def test_hundreds_of_interleaved_tasks_from_three_tenants_never_cross(make_tenant, broker,
                                                                      start_worker):
    tenants = [make_tenant(database_alias=alias) for alias in ("default", "default", "dedicated")]
    markers = {tenant.slug: f"M{secrets.token_hex(4)}" for tenant in tenants}
    # Interleaved: a, b, c, a, b, c... so consecutive tasks of one worker process change tenant.
    for number, tenant in itertools.product(range(TASKS_PER_TENANT), tenants):
        probe(tenant, markers[tenant.slug], number)
    start_worker(broker, concurrency=2)

    wait_for(lambda: all(len(jobs_in(t)) >= TASKS_PER_TENANT for t in tenants),
             timeout=240, what=f"{3 * TASKS_PER_TENANT} tasks")
    for tenant in tenants:
        jobs = jobs_in(tenant)
        marker = markers[tenant.slug]
        assert sorted(job.title for job in jobs) == sorted(
            f"{marker} #{number}" for number in range(TASKS_PER_TENANT))  # each once, none foreign
        assert {job.department for job in jobs} == {tenant.database_alias}  # the tenant's database
        assert {job.location for job in jobs} == {tenant.schema_name}  # and its schema
        assert {job.description for job in jobs} == {f"slug={tenant.slug} foreign_rows=0"}


def test_a_tenant_moved_before_the_task_runs_is_worked_on_at_its_new_home(make_tenant, broker,
                                                                         start_worker):
    tenant = make_tenant(database_alias="default")
    probe(tenant, "moved", 1)  # queued while no worker runs
    # The move, as the registry records it: the schema on its new database, the alias changed.
    tenant.database_alias = "dedicated"
    with context.activated(context.public_scope()):
        schemas.schema_create(tenant=tenant)
    Tenant.objects.filter(pk=tenant.pk).update(database_alias="dedicated")
    try:
        worker = start_worker(broker)
        wait_for(lambda: jobs_in(tenant), timeout=60, what="the task on the new database")
        [job] = jobs_in(tenant)
        assert (job.title, job.department) == ("moved #1", "dedicated")
        tenant.database_alias = "default"
        assert jobs_in(tenant) == []  # nothing written at the old home
        assert f"tenant {tenant.slug} moved from default to dedicated" in worker.log_text()
    finally:
        for alias in ("default", "dedicated"):
            tenant.database_alias = alias
            with context.activated(context.public_scope()):
                schemas.schema_drop(tenant=tenant)


def test_tasks_for_a_suspended_or_deleted_tenant_are_refused_with_a_log_line(make_tenant, broker,
                                                                            start_worker):
    suspended, deleted, active = (make_tenant() for _ in range(3))
    for tenant in (suspended, deleted, active):
        probe(tenant, "refused?", 1)
    services.tenant_suspend(tenant=suspended)
    services.tenant_delete(tenant=deleted)

    worker = start_worker(broker)
    wait_for(lambda: jobs_in(active), timeout=60, what="the active tenant's task")
    wait_for(lambda: worker.log_text().count("refused") >= 2, timeout=30, what="two refusals")
    log = worker.log_text()
    assert f"refused: tenant '{suspended.slug}' is suspended" in log
    assert f"refused: tenant '{deleted.slug}' no longer exists" in log
    assert jobs_in(suspended) == []
