"""``check`` and ``tenants migrate`` on a fresh set of databases, as an operator runs them."""

import os
import subprocess
import sys
from pathlib import Path

import environ
import MySQLdb
import psycopg2
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


class FreshDatabases:
    """Two PostgreSQL databases (primary, dedicated) and one MariaDB database, made empty."""

    def __init__(self, stem: str):
        self.primary, self.dedicated, self.audit = f"{stem}", f"{stem}_dedicated", f"{stem}_audit"
        self.pg = settings.DATABASES["default"]
        self.mysql = settings.DATABASES["audit"]

    def pg_url(self, name: str) -> str:
        return f"postgres://{self.pg['USER']}@{self.pg['HOST']}:{self.pg['PORT'] or 5432}/{name}"

    @property
    def env(self) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "settings.test",
            "DATABASE_URL": self.pg_url(self.primary),
            "TENANT_DATABASES": f"dedicated={self.pg_url(self.dedicated)}",
            "AUDIT_DATABASE_URL": f"mysql://{self.mysql['USER']}@{self.mysql['HOST']}:"
                                  f"{self.mysql['PORT'] or 3306}/{self.audit}",
        }

    def _pg(self, *statements: str) -> None:
        connection = psycopg2.connect(dbname="postgres", user=self.pg["USER"], host=self.pg["HOST"],
                                      port=self.pg["PORT"] or 5432)
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.close()

    def _mysql(self, *statements: str) -> list:
        connection = MySQLdb.connect(user=self.mysql["USER"], host=self.mysql["HOST"],
                                     port=int(self.mysql["PORT"] or 3306))
        results = []
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                results = list(cursor.fetchall())
        connection.close()
        return results

    def create(self) -> None:
        self.drop()
        self._pg(f'CREATE DATABASE "{self.primary}"', f'CREATE DATABASE "{self.dedicated}"')
        self._mysql(f"CREATE DATABASE `{self.audit}` CHARACTER SET utf8mb4")

    def drop(self) -> None:
        self._pg(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in (self.primary, self.dedicated)))
        self._mysql(f"DROP DATABASE IF EXISTS `{self.audit}`")

    def pg_rows(self, name: str, sql: str) -> list:
        connection = psycopg2.connect(dbname=name, user=self.pg["USER"], host=self.pg["HOST"],
                                      port=self.pg["PORT"] or 5432)
        with connection.cursor() as cursor:
            cursor.execute(sql)
            rows = list(cursor.fetchall())
        connection.close()
        return rows


def primary_name() -> str:
    """The primary the suite was configured with (not its test database): fresh names follow it."""
    return environ.Env.db_url_config(os.environ.get("DATABASE_URL", "postgres:///tenantry"))["NAME"]


@pytest.fixture
def fresh():
    stem = f"{primary_name()}_fresh_{os.getpid()}"
    databases = FreshDatabases(stem)
    databases.create()
    yield databases
    databases.drop()


def manage(fresh: FreshDatabases, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=fresh.env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_check_and_tenants_migrate_are_clean_on_fresh_databases(fresh):
    checked = manage(fresh, "check", "--database", "default", "--database", "dedicated",
                     "--database", "audit", "--fail-level", "WARNING")
    assert "System check identified no issues" in checked

    manage(fresh, "tenants", "migrate")
    manage(fresh, "tenants", "create", "fresh-big", "--name", "Fresh Big", "--database", "dedicated")
    manage(fresh, "tenants", "create", "fresh-small", "--name", "Fresh Small")
    again = manage(fresh, "tenants", "migrate")
    assert "tenants: none behind" in again and "0 migration(s) applied" in again
    assert " applied" not in again.replace("0 migration(s) applied", "")
    listing = manage(fresh, "tenants", "list")
    assert [line.split()[3] for line in listing.splitlines() if line.startswith("fresh-")] == [
        "dedicated", "default"]

    def tables(name, schema):
        return {t for (t,) in fresh.pg_rows(name, f"SELECT tablename FROM pg_tables WHERE schemaname = '{schema}'")}

    assert {"tenants_tenant", "audit_outbox_pendingauditevent"} <= tables(fresh.primary, "public")
    assert not {"audit_auditevent", "careers_job"} & tables(fresh.primary, "public")
    assert "careers_job" in tables(fresh.dedicated, "tenant_fresh_big")
    assert "careers_job" in tables(fresh.primary, "tenant_fresh_small")
    assert tables(fresh.dedicated, "tenant_fresh_small") == set()
    assert tables(fresh.dedicated, "public") <= {"django_migrations"}
    assert set(t for (t,) in fresh._mysql(f"SHOW TABLES FROM `{fresh.audit}`")) == {
        "audit_auditevent", "django_migrations"}
    created = fresh._mysql(f"SELECT action, object_repr FROM `{fresh.audit}`.audit_auditevent ORDER BY id")
    assert created == [("tenant.created", "fresh-big on dedicated"), ("tenant.created", "fresh-small on default")]
    # Fail closed: a connection without a tenant's scope finds no table on either database.
    for name in (fresh.primary, fresh.dedicated):
        assert fresh.pg_rows(name, "SHOW search_path") == [("tenantry_unscoped",)]
