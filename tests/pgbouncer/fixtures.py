"""Fixtures for tests that need real servers: pgbouncer (transaction mode), committed tenants,
gunicorn behind pgbouncer. Imported by ``tests/conftest.py`` so every test directory can use them.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connections

from tests.servers import Gunicorn, Pgbouncer, gunicorn_start, pgbouncer_start

STAFF_PASSWORD = "Leak-test-staff-password-1"


@pytest.fixture(scope="session")
def pgbouncer(django_db_setup) -> Pgbouncer:  # stopped before the test databases are dropped
    """pgbouncer from deploy/pgbouncer/pgbouncer.ini in transaction mode, a pool of 2 per database."""
    bouncer = pgbouncer_start(default_pool_size=2,
                              reserve_pool_size=0, max_db_connections=2)
    yield bouncer
    bouncer.stop()


@dataclass
class LiveTenant:
    """A tenant committed to the test database (visible to servers in other processes)."""

    tenant: object
    marker: str  # in every job title and the staff username: nothing else contains it
    staff_username: str
    jobs: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return f"{self.tenant.slug}.{settings.BASE_DOMAIN}"

    @property
    def alias(self) -> str:
        return self.tenant.database_alias


def dedicated_alias() -> str:
    if "dedicated" not in settings.DATABASES:
        pytest.fail("these tests need a dedicated database: set TENANT_DATABASES=dedicated=postgres://...")
    return "dedicated"


@pytest.fixture(scope="module")
def live_tenants(django_db_setup, django_db_blocker) -> list[LiveTenant]:
    """Three committed tenants with distinct jobs and a staff admin each: two on the primary
    database, one on the dedicated one. Deleted (schemas dropped) after the module."""
    from django.contrib.auth import get_user_model

    from careers.services import job_create
    from tenancy import context
    from tenants import services

    placements = [("a", settings.TENANT_DB_ALIAS), ("b", settings.TENANT_DB_ALIAS), ("c", dedicated_alias())]
    created: list[LiveTenant] = []
    with django_db_blocker.unblock():
        try:
            for key, alias in placements:
                marker = f"Mark{key.upper()}{secrets.token_hex(5)}"
                slug = f"leak-{key}-{marker[5:].lower()}"
                tenant = services.tenant_create(slug=slug, name=f"Leak {key.upper()}", database_alias=alias).tenant
                live = LiveTenant(tenant=tenant, marker=marker, staff_username=f"staff{marker}")
                created.append(live)
                with context.activated(context.scope_for_tenant(tenant)):
                    get_user_model().objects.create_superuser(
                        username=live.staff_username, email=f"{key}@example.com", password=STAFF_PASSWORD)
                    for number in range(1, 6):
                        title = f"{marker} seeded job {number}"
                        job_create(title=title, department="Engineering", location="Remote",
                                   description=f"{marker} description", status="open")
                        live.jobs.append(title)
            yield created
        finally:
            for live in created:
                services.tenant_delete(tenant=live.tenant)


def server_database_url(alias: str, bouncer: Pgbouncer | None) -> str:
    """The URL of the (test) database behind ``alias``: through ``bouncer``, or direct."""
    config = connections[alias].settings_dict
    if bouncer is not None:
        return bouncer.url(config["NAME"])
    return f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"


def server_environment(bouncer: Pgbouncer | None, settings_module: str = "settings.test") -> dict[str, str]:
    """Environment for a server process on the test databases, through pgbouncer or direct."""
    tenant_databases = ",".join(
        f"{alias}={server_database_url(alias, bouncer)}"
        for alias in settings.DATABASES
        if alias != settings.TENANT_DB_ALIAS and settings.DATABASES[alias]["ENGINE"] == settings.POSTGRES_ENGINE
    )
    environment = {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": server_database_url(settings.TENANT_DB_ALIAS, bouncer),
        "TENANT_DATABASES": tenant_databases,
    }
    if "audit" in settings.DATABASES:  # the test database, not the one the environment names
        environment["AUDIT_DATABASE_URL"] = audit_database_url(connections["audit"].settings_dict)
    return environment


def audit_database_url(config: dict) -> str:
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{config['NAME']}"
    password = f":{quote(config['PASSWORD'])}" if config.get("PASSWORD") else ""
    return f"mysql://{config['USER']}{password}@{config['HOST']}:{config['PORT'] or 3306}/{config['NAME']}"


@pytest.fixture(scope="module")
def gunicorn_factory(tmp_path_factory):
    """``start(env=..., workers=, threads=)``: gunicorn from deploy/gunicorn.conf.py, stopped after."""
    started: list[Gunicorn] = []

    def start(*, env: dict[str, str], workers: int = 3, threads: int = 4) -> Gunicorn:
        log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
        server = gunicorn_start(env=env, log=log, health_host=settings.BASE_DOMAIN,
                                workers=workers, threads=threads)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
