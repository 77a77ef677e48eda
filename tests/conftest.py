"""Shared fixtures. Every test runs against the real PostgreSQL, MariaDB and Redis."""

from __future__ import annotations

import itertools
import os

import pytest
from django.conf import settings
from django.test import Client

from tenancy import context
from tenants import schemas, services
from tenants.models import Tenant
from tests.pgbouncer.fixtures import gunicorn_factory, live_tenants, pgbouncer  # noqa: F401

_slugs = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test databases as ``tenants migrate`` leaves them: with the primary's template schema."""
    from tenants.template_schema import template_migrate

    with django_db_blocker.unblock():
        template_migrate(alias=settings.TENANT_DB_ALIAS)


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    """A rolled-back test transaction is not a tenant change the host cache could hear of."""
    from tenancy.hosts import _cache

    _cache.clear()


def host_of(tenant: Tenant) -> str:
    return f"{tenant.slug}.{settings.BASE_DOMAIN}"


@pytest.fixture
def make_tenant(db):
    """Provision a real tenant (schema and migrations).

    In a ``db`` test it all rolls back with the test; in a transactional test the schemas
    are committed, so they are dropped afterwards (Django's flush empties tables only).
    """
    created = []

    def make(slug: str | None = None, name: str | None = None, **kwargs) -> Tenant:
        slug = slug or f"org-{os.getpid()}-{next(_slugs)}"
        tenant = services.tenant_create(slug=slug, name=name or slug.title(), **kwargs).tenant
        created.append(tenant)
        return tenant

    yield make
    with context.activated(context.public_scope()):
        for tenant in created:
            schemas.schema_drop(tenant=tenant)


@pytest.fixture
def in_tenant():
    """``with in_tenant(tenant): ...`` runs ORM code in that tenant's schema."""
    return lambda tenant: context.activated(context.scope_for_tenant(tenant))


@pytest.fixture
def tenant_client():
    """A test client whose requests go to a tenant's host."""

    def make(tenant: Tenant) -> Client:
        return Client(HTTP_HOST=host_of(tenant))

    return make


@pytest.fixture
def platform_client():
    return Client(HTTP_HOST=settings.BASE_DOMAIN)


@pytest.fixture
def media_root(settings, tmp_path):
    """Tenant files of this test in a folder of their own (the file system backend reads it)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
