"""Tenants on a dedicated PostgreSQL database: their rows live there and nowhere else, and
everything a tenant does (pages, sign-in, sessions, admin, migrations) behaves as on the primary."""

import json

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connections
from django_tenants.utils import schema_context, tenant_context

from audit.services import audit_deliver_everywhere
from careers.models import Job
from careers.services import job_create
from tenants.schemas import schema_exists
from tests.factories import PASSWORD, UserFactory

ALL = ["default", "dedicated", "audit"]
OTHER = {"default": "dedicated", "dedicated": "default"}

pytestmark = pytest.mark.django_db(databases=ALL)


def rows(alias: str, sql: str, params=()) -> list[tuple]:
    """Straight from one database, schema-qualified, past the router."""
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def job_titles(alias: str, schema: str) -> list[str]:
    return [title for (title,) in rows(alias, f'SELECT title FROM "{schema}".careers_job ORDER BY id')]


def test_each_tenants_rows_live_in_its_own_database_only(make_tenant, in_tenant):
    dedicated = make_tenant(database_alias="dedicated")
    primary = make_tenant()
    with in_tenant(dedicated):
        job_create(title="Only on dedicated")
    with in_tenant(primary):
        job_create(title="Only on the primary")

    assert job_titles("dedicated", dedicated.schema_name) == ["Only on dedicated"]
    assert job_titles("default", primary.schema_name) == ["Only on the primary"]
    assert not schema_exists(schema_name=dedicated.schema_name, alias="default")
    assert not schema_exists(schema_name=primary.schema_name, alias="dedicated")
    # The registry (control plane) is on the primary only, dedicated tenants included.
    registry = "SELECT slug, database_alias FROM public.tenants_tenant WHERE slug = %s"
    assert rows("default", registry, [dedicated.slug]) == [(dedicated.slug, "dedicated")]
    assert rows("dedicated", "SELECT to_regclass('public.tenants_tenant')") == [(None,)]


@pytest.mark.parametrize("alias", ["default", "dedicated"])
def test_the_same_http_journey_works_in_each_placement(alias, make_tenant, in_tenant, tenant_client):
    tenant = make_tenant(database_alias=alias)
    with in_tenant(tenant):
        job_create(title="Site Reliability Engineer", location="Remote")
        staff = UserFactory(is_superuser=True)
    client = tenant_client(tenant)

    jobs = client.get("/jobs/")
    assert jobs.status_code == 200
    assert "Site Reliability Engineer" in jobs.content.decode()

    signed_in = client.post("/admin/login/?next=/admin/",
                            {"username": staff.username, "password": PASSWORD, "next": "/admin/"})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    admin_index = client.get("/admin/")
    assert admin_index.status_code == 200
    assert staff.username in admin_index.content.decode()
    assert client.get("/admin/careers/job/").status_code == 200

    # The session is in the tenant's schema on the tenant's database, and nowhere else.
    key = client.cookies["sessionid"].value
    sessions = f'SELECT count(*) FROM "{tenant.schema_name}".django_session WHERE session_key = %s'
    assert rows(alias, sessions, [key]) == [(1,)]
    assert rows("default", "SELECT count(*) FROM public.django_session WHERE session_key = %s", [key]) == [(0,)]
    assert not schema_exists(schema_name=tenant.schema_name, alias=OTHER[alias])
    # Its sign-in, in MariaDB, in its own trail (delivered as the workers do after the commit).
    audit_deliver_everywhere()
    trail = rows("audit", "SELECT actor, action FROM audit_auditevent WHERE tenant_slug = %s", [tenant.slug])
    assert (staff.username, "auth.sign_in") in trail


def test_django_tenants_context_managers_reach_a_dedicated_tenant(make_tenant):
    tenant = make_tenant(database_alias="dedicated")
    with tenant_context(tenant):
        job_create(title="Written through tenant_context")
    with schema_context(tenant.schema_name):  # only the schema's name: the alias is looked up
        assert list(Job.objects.values_list("title", flat=True)) == ["Written through tenant_context"]
        job_create(title="Written through schema_context")
        assert User.objects.db == "dedicated"
    assert job_titles("dedicated", tenant.schema_name) == [
        "Written through tenant_context", "Written through schema_context"]


def test_a_dedicated_tenants_migrations_run_on_its_database(make_tenant):
    tenant = make_tenant(database_alias="dedicated")
    tables_sql = "SELECT tablename FROM pg_tables WHERE schemaname = %s"
    tables = {name for (name,) in rows("dedicated", tables_sql, [tenant.schema_name])}
    assert {"careers_job", "auth_user", "django_session", "django_admin_log"} <= tables
    assert not {"tenants_tenant", "audit_auditevent"} & tables
    # Its audit events wait beside its data, in its own transactions (#18 item 12).
    assert "audit_outbox_pendingauditevent" in tables
    applied = rows("dedicated", f'SELECT app, name FROM "{tenant.schema_name}".django_migrations')

    call_command("tenants", "migrate", verbosity=0)  # up to date: applies nothing, breaks nothing
    assert rows("dedicated", f'SELECT app, name FROM "{tenant.schema_name}".django_migrations') == applied
    assert {name for (name,) in rows("dedicated", tables_sql, [tenant.schema_name])} == tables


def test_creating_on_an_alias_that_is_not_configured_is_refused_clearly(capsys):
    for alias in ("nowhere", "audit"):  # audit: a database, but MySQL's, not for tenants
        with pytest.raises(CommandError, match=rf"'{alias}' is not configured for tenants "
                                               r"\(configured: default, dedicated\)"):
            call_command("tenants", "create", "misplaced", "--name", "Misplaced", "--database", alias)
    assert rows("default", "SELECT count(*) FROM public.tenants_tenant WHERE slug = 'misplaced'") == [(0,)]


def test_the_command_line_places_a_tenant_and_lists_its_database(capsys):
    call_command("tenants", "create", "bigco", "--name", "BigCo", "--database", "dedicated", "--json")
    created = json.loads(capsys.readouterr().out)
    assert created["database"] == "dedicated"
    assert schema_exists(schema_name="tenant_bigco", alias="dedicated")

    call_command("tenants", "list")
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("bigco "))
    assert line.split()[3] == "dedicated"


@pytest.mark.parametrize("value, message", [
    ("audit=postgres://postgres@127.0.0.1:5432/x", "alias 'audit' is taken"),
    ("default=postgres://postgres@127.0.0.1:5432/x", "alias 'default' is taken"),
    ("eu-west", "not of the form alias=postgres://"),
])
def test_tenant_databases_refuse_a_reserved_or_malformed_alias(value, message):
    from settings.base import tenant_databases

    with pytest.raises(ImproperlyConfigured, match=message):
        tenant_databases(value)


def test_tenant_databases_add_one_alias_per_entry():
    from settings.base import POSTGRES_ENGINE, tenant_databases

    databases = tenant_databases(" eu=postgres://u@db-eu:5432/eu , us=postgres://u@db-us:6432/us ,")
    assert {alias: (c["ENGINE"], c["HOST"], c["PORT"], c["NAME"]) for alias, c in databases.items()} == {
        "eu": (POSTGRES_ENGINE, "db-eu", 5432, "eu"), "us": (POSTGRES_ENGINE, "db-us", 6432, "us")}
