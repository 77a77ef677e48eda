"""tenancy.tasks in eager mode (no broker: the test settings): the scope a task is sent in is the
one it runs in, re-read from the registry; nothing is sent for a rollback. The same code on a
real worker: tests/operations/test_worker.py."""

import logging

import pytest
from django.db import transaction

from audit.outbox.models import PendingAuditEvent
from audit.services import audit_record
from careers.models import Job
from tenancy import context, tasks
from tenants import services
from tests.operations.worker_tasks import PROBE_TASK

pytestmark = pytest.mark.django_db(databases=["default", "dedicated", "audit"])


def test_a_task_runs_in_the_tenant_it_was_sent_from_and_public_stays_public(make_tenant, in_tenant):
    acme, globex = make_tenant(), make_tenant(database_alias="dedicated")
    for tenant in (acme, globex, acme):
        assert tasks.send(PROBE_TASK, kwargs={"marker": tenant.slug, "number": 1},
                          scope=context.scope_for_tenant(tenant))
    with in_tenant(globex):
        [job] = Job.objects.all()
    assert (job.title, job.department, job.location) == (f"{globex.slug} #1", "dedicated",
                                                         globex.schema_name)
    with in_tenant(acme):
        assert Job.objects.count() == 2
    assert context.current_scope().is_public  # nothing left behind


def test_a_suspended_tenants_task_is_refused_unless_it_is_housekeeping(make_tenant, in_tenant, caplog):
    tenant = make_tenant()
    services.tenant_suspend(tenant=tenant)
    with caplog.at_level(logging.WARNING, logger="tenancy.tasks"):
        tasks.send(PROBE_TASK, kwargs={"marker": "x", "number": 1}, scope=context.scope_for_tenant(tenant))
    assert f"refused: tenant '{tenant.slug}' is suspended" in caplog.text
    with in_tenant(tenant):
        assert not Job.objects.exists()
        # Its audit trail is still delivered: the delivery task allows suspended tenants.
        PendingAuditEvent.objects.create(action="late.event", created=tenant.created)
        assert tasks.send("audit.outbox_deliver", scope=context.scope_for_tenant(tenant))
        assert not PendingAuditEvent.objects.exists()


def test_nothing_is_sent_for_a_rollback_and_the_scope_is_the_senders(
        make_tenant, in_tenant, django_capture_on_commit_callbacks):
    tenant = make_tenant()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with in_tenant(tenant):
            with pytest.raises(RuntimeError), transaction.atomic(using="default"):
                tasks.send_on_commit(PROBE_TASK, using="default", kwargs={"marker": "rolled", "number": 1})
                audit_record(action="never.happened")
                raise RuntimeError("rollback")
            with transaction.atomic(using="default"):
                tasks.send_on_commit(PROBE_TASK, using="default", kwargs={"marker": "kept", "number": 1})
    assert len(callbacks) == 1  # the rolled-back transaction sent nothing
    with in_tenant(tenant):  # sent from inside the tenant, run in the tenant after the commit
        assert list(Job.objects.values_list("title", flat=True)) == ["kept #1"]
        assert not PendingAuditEvent.objects.exists()
