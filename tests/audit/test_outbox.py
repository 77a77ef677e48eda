"""MySQL down: the user's action succeeds, the event waits in PostgreSQL, and arrives once."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.contrib.auth.models import Group
from django.db import connections, transaction

from audit.models import AuditEvent
from audit.outbox.models import PendingAuditEvent
from audit.services import audit_deliver, audit_deliver_everywhere, audit_pending, audit_record
from tenancy import context
from tenants.models import Tenant
from tests.factories import PASSWORD, UserFactory

ALL = ["default", "dedicated", "audit"]
pytestmark = pytest.mark.django_db(databases=ALL, transaction=True)


def mariadb_events(**where) -> list[tuple]:
    """Read MariaDB directly (a fresh connection through the route), past manager and router."""
    clause = " AND ".join(f"{name} = %s" for name in where) or "1 = 1"
    with connections["audit"].cursor() as cursor:
        cursor.execute(f"SELECT tenant_slug, actor, action, object_repr FROM audit_auditevent "
                       f"WHERE {clause} ORDER BY id", list(where.values()))
        return list(cursor.fetchall())


def test_mysql_down_the_action_succeeds_and_the_event_arrives_later(mysql_route, make_tenant, in_tenant,
                                                                    tenant_client):
    tenant = make_tenant(database_alias="dedicated")
    with in_tenant(tenant):
        staff = UserFactory(is_superuser=True)
    assert mariadb_events(action="tenant.created", object_repr=f"{tenant.slug} on dedicated")

    mysql_route.stop()
    call_command("tenants", "suspend", tenant.slug)  # a platform action
    assert Tenant.objects.get(pk=tenant.pk).status == Tenant.Status.SUSPENDED
    call_command("tenants", "resume", tenant.slug)
    signed_in = tenant_client(tenant).post(  # a tenant staff action, over HTTP
        "/admin/login/", {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    assert signed_in.status_code == 302

    waiting = [(event.tenant_slug, event.action, event.last_error) for event in audit_pending()]
    assert [row[:2] for row in waiting] == [
        ("", "tenant.suspended"), ("", "tenant.resumed"), (tenant.slug, "auth.sign_in")]
    assert all("OperationalError" in error for *_, error in waiting)
    with in_tenant(tenant):  # the tenant's event waits on its own database, in its schema
        assert PendingAuditEvent.objects.db == "dedicated"
        assert PendingAuditEvent.objects.get().action == "auth.sign_in"
    call_command("audit", "pending", stdout=(pending := io.StringIO()))
    assert pending.getvalue().strip() == "3"
    with pytest.raises(CommandError, match="3 event\\(s\\) still wait in the outbox"):
        call_command("audit", "deliver")
    with pytest.raises(Exception):
        mariadb_events()  # really unreachable, not merely skipped

    mysql_route.start()
    call_command("audit", "deliver")
    assert audit_pending() == []
    assert mariadb_events(object_repr=tenant.slug) == [
        ("", "system", "tenant.suspended", tenant.slug), ("", "system", "tenant.resumed", tenant.slug)]
    assert mariadb_events(tenant_slug=tenant.slug) == [
        (tenant.slug, staff.username, "auth.sign_in", staff.username)]

    assert audit_deliver_everywhere() == 0  # nothing twice
    assert len(mariadb_events(tenant_slug=tenant.slug)) == 1


def test_the_next_delivery_after_recovery_delivers_what_waited(mysql_route):
    mysql_route.stop()
    audit_record(action="report.exported", object_repr="while down")
    assert PendingAuditEvent.objects.count() == 1

    mysql_route.start()
    audit_record(action="report.exported", object_repr="after recovery")  # its task delivers both
    assert not PendingAuditEvent.objects.exists()
    # In the order they happened: the outbox is delivered oldest first.
    assert [row[3] for row in mariadb_events(action="report.exported")] == ["while down", "after recovery"]


def test_a_delivery_interrupted_after_the_insert_does_not_duplicate(mysql_route):
    mysql_route.stop()
    audit_record(action="report.exported", object_repr="once")
    mysql_route.start()
    pending = PendingAuditEvent.objects.get()
    # As if a deliverer crashed after MySQL took the batch but before the outbox let go of it.
    with context.activated(context.public_scope()):
        AuditEvent.objects.create(**pending.as_fields())

    assert audit_deliver() == 1
    assert not PendingAuditEvent.objects.exists()
    assert len(mariadb_events(action="report.exported")) == 1


def test_an_event_commits_and_rolls_back_with_its_action_on_the_actions_database(make_tenant, in_tenant):
    """#18 item 12: the event is written in the action's transaction, on the action's database."""
    tenant = make_tenant(database_alias="dedicated")
    with in_tenant(tenant):
        with pytest.raises(RuntimeError), transaction.atomic(using="dedicated"):
            Group.objects.create(name="never")
            audit_record(action="group.made", object_repr="never")
            raise RuntimeError("the action fails after recording")
        assert not PendingAuditEvent.objects.exists()

        with transaction.atomic(using="dedicated"):
            Group.objects.create(name="kept")
            audit_record(action="group.made", object_repr="kept")
            # Before the commit the event waits beside the action, where no one else sees it.
            assert PendingAuditEvent.objects.get().object_repr == "kept"
            assert not mariadb_events(action="group.made")
        # Committed: delivered by its task (eager here), once.
        assert not PendingAuditEvent.objects.exists()
    assert mariadb_events(action="group.made") == [(tenant.slug, "system", "group.made", "kept")]
    assert audit_deliver_everywhere() == 0
    assert len(mariadb_events(action="group.made")) == 1
