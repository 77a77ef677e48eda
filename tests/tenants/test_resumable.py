"""Create and delete across two databases survive a kill -9 between their commits: the host
answers 503/404 meanwhile, a re-run continues, and ``tenants doctor`` repairs what is left.

The kill is deterministic: the test holds locks (on the dedicated database's template, a
tenant table, the hosts version row on the primary) that stop the real ``manage.py tenants``
process exactly between two commits, checks from the catalogs that it waits there, and kills it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import DataError, connections
from django.test import Client

from tenancy.schema_names import schema_name_for
from tenants.models import Tenant
from tenants.schemas import schema_exists
from tests.pgbouncer.fixtures import server_environment

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "dedicated", "audit"])


def raw_connection(alias: str):
    """A connection of the test's own, outside Django: it holds locks while the command runs."""
    config = connections[alias].settings_dict
    return psycopg2.connect(host=config["HOST"], port=config["PORT"], user=config["USER"],
                            dbname=config["NAME"])


def fetch(alias: str, sql: str, params=()) -> list[tuple]:
    connection = raw_connection(alias)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def waiting_on_a_lock(alias: str) -> bool:
    name = connections[alias].settings_dict["NAME"]
    return bool(fetch(alias, "SELECT 1 FROM pg_stat_activity WHERE datname = %s "
                             "AND wait_event_type = 'Lock'", [name]))


def manage(*args: str) -> subprocess.Popen:
    env = {**os.environ, **server_environment(None)}
    return subprocess.Popen([sys.executable, "manage.py", "tenants", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def manage_run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **server_environment(None)}
    return subprocess.run([sys.executable, "manage.py", "tenants", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


@contextmanager
def locked(alias: str, statement: str):
    connection = raw_connection(alias)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
        yield connection
    finally:
        connection.rollback()
        connection.close()


def hosts_version_locked():
    return locked(settings.TENANT_DB_ALIAS,
                  "SELECT version FROM public.tenants_hostsversion WHERE id = 1 FOR UPDATE")


def status_of(slug: str) -> str | None:
    rows = fetch(settings.TENANT_DB_ALIAS, "SELECT status FROM public.tenants_tenant WHERE slug = %s", [slug])
    return rows[0][0] if rows else None


def row_unlocked(slug: str) -> bool:
    """The killed command's server process has rolled back and let go of the tenant's row."""
    return not fetch(settings.TENANT_DB_ALIAS,
                     "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                     "WHERE c.relname = 'tenants_tenant' AND l.pid <> pg_backend_pid()")


def get(slug: str, path: str = "/jobs/") -> int:
    return Client(HTTP_HOST=f"{slug}.{settings.BASE_DOMAIN}").get(path).status_code


SLUGS = ["orphan-a", "doomed", "orphan-z", "schemaless", "busy-co"]


@pytest.fixture(autouse=True)
def _drop_schemas_afterwards():
    """Rows go with the test's flush; schemas the commands committed must be dropped by hand."""
    yield
    for alias in ("default", "dedicated"):
        with connections[alias].cursor() as cursor:
            for slug in SLUGS:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name_for(slug)}" CASCADE')


def mine(findings: list[dict]) -> list[dict]:
    """Findings about this module's tenants (other tests may leave schemas of their own)."""
    names = {schema_name_for(slug) for slug in SLUGS}
    return [finding for finding in findings if finding["schema_name"] in names]


@pytest.fixture
def dedicated_template(django_db_blocker):
    """``tenants migrate`` keeps a template on every tenant database: the dedicated one too."""
    from tenants.template_schema import template_migrate

    if not schema_exists(schema_name="tenantry_template", alias="dedicated"):
        template_migrate(alias="dedicated")


@pytest.fixture
def create_killed_between_commits(dedicated_template):
    """``tenants create orphan-a --database dedicated`` killed after the dedicated database
    committed the schema and before the primary committed the row's ``active``."""
    slug, schema = "orphan-a", schema_name_for("orphan-a")
    # 1. Hold the template: the command commits its row, then waits to copy the schema.
    with locked("dedicated", "LOCK TABLE tenantry_template.django_migrations IN ACCESS EXCLUSIVE MODE") as template:
        process = manage("create", slug, "--name", "Orphan A", "--database", "dedicated")
        wait_for(lambda: status_of(slug) == "provisioning", "the provisioning row")
        wait_for(lambda: waiting_on_a_lock("dedicated"), "the schema copy to wait")
        # 2. Hold the hosts version row: the primary's last commit (row -> active) will wait.
        with hosts_version_locked():
            template.rollback()  # the schema commits on the dedicated database
            wait_for(lambda: schema_exists(schema_name=schema, alias="dedicated"), "the schema commit")
            wait_for(lambda: waiting_on_a_lock(settings.TENANT_DB_ALIAS), "the activation to wait")
            process.kill()
            process.communicate(timeout=30)
    wait_for(lambda: row_unlocked(slug), "the killed command's transaction to end")
    assert status_of(slug) == "provisioning" and schema_exists(schema_name=schema, alias="dedicated")
    return slug


def test_a_create_killed_between_its_commits_answers_503_and_a_rerun_finishes_it(
    create_killed_between_commits,
):
    slug = create_killed_between_commits
    assert get(slug) == 503  # half made: a clean "temporarily unavailable", never a 500

    finished = manage_run("create", slug, "--name", "Orphan A", "--database", "dedicated",
                          "--admin-email", "boss@orphan.example")
    assert finished.returncode == 0, finished.stderr
    assert "Invite e-mail to boss@orphan.example handed to the workers" in finished.stdout
    assert status_of(slug) == "active"
    assert get(slug) == 200


def test_doctor_undoes_a_create_killed_between_its_commits(create_killed_between_commits):
    slug = create_killed_between_commits
    dry = manage_run("doctor", "--dry-run", "--json")
    assert dry.returncode == 1, dry.stderr  # something to repair
    [finding] = mine(json.loads(dry.stdout))
    assert (finding["problem"], finding["slug"], finding["repaired"]) == ("half_provisioned", slug, False)
    assert status_of(slug) == "provisioning"  # a dry run changes nothing

    repaired = manage_run("doctor")
    assert repaired.returncode == 0, repaired.stderr
    assert f"half_provisioned: {slug} on dedicated: create undone" in repaired.stdout
    assert status_of(slug) is None
    assert not schema_exists(schema_name=schema_name_for(slug), alias="dedicated")
    assert mine(json.loads(manage_run("doctor", "--json").stdout)) == []
    # Nothing is in the way of creating it again.
    again = manage_run("create", slug, "--name", "Orphan A", "--database", "dedicated")
    assert again.returncode == 0, again.stderr
    assert get(slug) == 200


@pytest.fixture
def delete_killed_between_commits(dedicated_template, make_tenant):
    """``tenants delete`` of a dedicated tenant killed after its schema was dropped and before
    the primary committed the row's removal."""
    tenant = make_tenant("doomed", database_alias="dedicated")
    assert get(tenant.slug) == 200
    # 1. Hold one of its tables: the command marks the row ``deleting``, then waits to drop.
    with locked("dedicated", f'LOCK TABLE "{tenant.schema_name}".django_migrations IN ACCESS SHARE MODE') as table:
        process = manage("delete", tenant.slug, "--yes")
        wait_for(lambda: status_of(tenant.slug) == "deleting", "the deleting row")
        wait_for(lambda: waiting_on_a_lock("dedicated"), "the drop to wait")
        # 2. Hold the hosts version row: removing the row (the primary's commit) will wait.
        with hosts_version_locked():
            table.rollback()  # the drop commits on the dedicated database
            wait_for(lambda: not schema_exists(schema_name=tenant.schema_name, alias="dedicated"),
                     "the drop to commit")
            wait_for(lambda: waiting_on_a_lock(settings.TENANT_DB_ALIAS), "the row's removal to wait")
            process.kill()
            process.communicate(timeout=30)
    wait_for(lambda: row_unlocked(tenant.slug), "the killed command's transaction to end")
    assert status_of(tenant.slug) == "deleting"
    return tenant.slug


def test_a_delete_killed_between_its_commits_answers_404_and_a_rerun_finishes_it(
    delete_killed_between_commits,
):
    slug = delete_killed_between_commits
    assert get(slug) == 404  # its schema is gone: the host is unknown, never a 500
    assert get(slug, "/admin/login/") == 404

    finished = manage_run("delete", slug, "--yes")
    assert finished.returncode == 0, finished.stderr
    assert status_of(slug) is None


def test_doctor_finishes_a_delete_killed_between_its_commits(delete_killed_between_commits):
    slug = delete_killed_between_commits
    repaired = mine(json.loads(manage_run("doctor", "--json").stdout))
    assert [(f["problem"], f["slug"], f["repaired"]) for f in repaired] == [("half_deleted", slug, True)]
    assert status_of(slug) is None


def test_doctor_drops_orphan_schemas_and_rows_whose_schema_is_gone(make_tenant):
    with connections["dedicated"].cursor() as cursor:
        cursor.execute('CREATE SCHEMA "tenant_orphan_z"')  # left by a crash of older code
        cursor.execute('CREATE TABLE "tenant_orphan_z".careers_job (id int)')
    gone = make_tenant("schemaless", database_alias="dedicated")
    with connections["dedicated"].cursor() as cursor:
        cursor.execute(f'DROP SCHEMA "{gone.schema_name}" CASCADE')
    assert get(gone.slug) == 503  # its row says active, its tables are gone: not a 500

    refused = manage_run("create", "orphan-z", "--name", "Z", "--database", "dedicated")
    assert refused.returncode == 1 and "run `tenants doctor`" in refused.stderr
    assert "Traceback" not in refused.stderr

    findings = mine(json.loads(manage_run("doctor", "--json").stdout))
    assert sorted((f["problem"], f["schema_name"], f["repaired"]) for f in findings) == [
        ("orphan_schema", "tenant_orphan_z", True),
        ("schema_missing", gone.schema_name, True),
    ]
    assert not schema_exists(schema_name="tenant_orphan_z", alias="dedicated")
    assert not Tenant.objects.filter(slug=gone.slug).exists()
    assert get(gone.slug) == 404
    assert manage_run("create", "orphan-z", "--name", "Z", "--database", "dedicated").returncode == 0


def test_doctor_leaves_a_create_in_progress_alone(dedicated_template):
    with locked("dedicated", "LOCK TABLE tenantry_template.django_migrations IN ACCESS EXCLUSIVE MODE"):
        process = manage("create", "busy-co", "--name", "Busy", "--database", "dedicated")
        wait_for(lambda: status_of("busy-co") == "provisioning", "the provisioning row")
        wait_for(lambda: waiting_on_a_lock("dedicated"), "the schema copy to wait")
        findings = mine(json.loads(manage_run("doctor", "--json").stdout))
        assert [(f["problem"], f["repaired"]) for f in findings] == [("half_provisioned", False)]
        assert "in progress" in findings[0]["action"]
    assert process.wait(timeout=120) == 0, process.stderr.read()
    assert status_of("busy-co") == "active"


def test_a_dedicated_create_that_fails_after_its_first_commit_leaves_neither_row_nor_schema(monkeypatch):
    from tenants import invites, services

    # The staff admin's insert on the dedicated database fails after the row committed on the
    # primary (addresses too long to store are refused before anything is written, so fail it).
    def refuse(**kwargs):
        raise DataError("value too long for type character varying(150)")

    monkeypatch.setattr(invites, "staff_admin_invite", refuse)
    with pytest.raises(DataError):
        services.tenant_create(slug="orphan-a", name="Orphan A", database_alias="dedicated",
                               admin_email="boss@orphan.example")
    assert status_of("orphan-a") is None
    assert not schema_exists(schema_name=schema_name_for("orphan-a"), alias="dedicated")
