"""audit_record: rows in MariaDB only, with tenant, actor and IP filled in."""

import pytest
from django.db import connections
from django.test import RequestFactory

from audit.models import AuditEvent
from audit.outbox.models import PendingAuditEvent
from audit.services import audit_deliver_everywhere, audit_record
from tenancy import context

ALL = ["default", "dedicated", "audit"]


def mysql_rows(**where) -> list[tuple]:
    """Read the audit table straight from MariaDB, past the manager and the router."""
    columns = ["tenant_slug", "actor", "action", "object_repr", "ip"]
    clause = " AND ".join(f"{name} = %s" for name in where) or "1 = 1"
    with connections["audit"].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM audit_auditevent WHERE {clause} ORDER BY id",
                       list(where.values()))
        return list(cursor.fetchall())


@pytest.mark.django_db(databases=ALL)
def test_a_tenant_event_lands_in_mariadb_with_tenant_actor_and_ip(make_tenant, django_user_model):
    tenant = make_tenant()
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    with context.activated(context.scope_for_tenant(tenant)):
        request.user = django_user_model.objects.create_user(username="rita", password="x")
        audit_record(action="careers.csv_export", object_repr="applications.csv", request=request)
    audit_deliver_everywhere()  # what the worker does after the commit

    assert connections["audit"].vendor == "mysql"
    assert mysql_rows(action="careers.csv_export") == [
        (tenant.slug, "rita", "careers.csv_export", "applications.csv", "203.0.113.9")
    ]
    assert not PendingAuditEvent.objects.exists()


@pytest.mark.django_db(databases=ALL)
def test_no_audit_table_exists_in_any_postgresql_database():
    for alias in ("default", "dedicated"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'audit_auditevent'")
            assert cursor.fetchone() == (0,)
    with connections["audit"].cursor() as cursor:
        cursor.execute("SHOW TABLES")
        tables = {name for (name,) in cursor.fetchall()}
    assert "audit_auditevent" in tables
    assert not tables & {"auth_user", "careers_job", "tenants_tenant", "django_session",
                         "audit_outbox_pendingauditevent"}


@pytest.mark.django_db(databases=ALL)
def test_a_command_line_action_is_recorded_as_the_system_on_the_platform_trail():
    audit_record(action="tenant.suspended", object_repr="acme")
    audit_deliver_everywhere()
    event = AuditEvent.objects.get(action="tenant.suspended")
    assert (event.tenant_slug, event.actor, event.ip) == ("", "system", None)
