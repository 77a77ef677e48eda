"""Where every schema stands, read in bulk: one catalog query and a few UNION ALLs per database."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from tenancy import context
from tenancy.schema_names import check_schema_name
from tenants.models import Tenant
from tenants.placement import tenant_database_aliases
from tenants.template_schema import TEMPLATE_SCHEMA

CHUNK = 1000  # schemas per statement: a bounded statement, still few round trips at 10,000


@dataclass(frozen=True)
class Target:
    """A schema the fleet keeps current: a tenant's, or a database's template (slug None)."""

    alias: str
    schema_name: str
    slug: str | None

    @property
    def name(self) -> str:
        return self.slug or f"template@{self.alias}"


def fleet_targets() -> list[Target]:
    """Every tenant in the registry, by slug."""
    with context.activated(context.public_scope()):
        rows = Tenant.objects.using(settings.TENANT_DB_ALIAS).order_by("slug").values_list(
            "database_alias", "schema_name", "slug")
        return [Target(alias, schema_name, slug) for alias, schema_name, slug in rows]


ABSENT = "absent"  # the schema does not exist


def schemas_missing(*, alias: str, schema_names: list[str], labels: list[str]) -> dict[str, list[str] | str | None]:
    """For each schema behind, the ``app.name`` labels it lacks; ``None`` for a schema without
    a ``django_migrations`` table, ``ABSENT`` for no schema at all. Current schemas are left out."""
    for name in schema_names:
        check_schema_name(name)
    missing: dict[str, list[str] | str | None] = {}
    with context.activated(context.public_scope()), connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = n.oid "
            "AND c.relname = 'django_migrations' AND c.relkind = 'r') "
            "FROM pg_namespace n WHERE n.nspname = ANY(%s)",
            [schema_names],
        )
        found = dict(cursor.fetchall())
        ledgers = {name for name, has_ledger in found.items() if has_ledger}
        missing.update({name: None if name in found else ABSENT
                        for name in schema_names if name not in ledgers})
        present = [name for name in schema_names if name in ledgers]
        for start in range(0, len(present), CHUNK):
            parts = [
                f"SELECT '{name}' AS s, ARRAY(SELECT key FROM expected EXCEPT "
                f"SELECT app || '.' || name FROM \"{name}\".django_migrations) AS m"
                for name in present[start:start + CHUNK]
            ]
            cursor.execute(
                "WITH expected AS (SELECT unnest(%s::text[]) AS key) SELECT s, m FROM ("
                + " UNION ALL ".join(parts) + ") AS x WHERE cardinality(m) > 0",
                [labels],
            )
            missing.update(dict(cursor.fetchall()))
    return missing


def database_missing(*, alias: str, labels: list[str]) -> list[str]:
    """Labels missing from a database's own ``django_migrations`` (control plane, audit)."""
    with context.activated(context.public_scope()), connections[alias].cursor() as cursor:
        tables = connections[alias].introspection.table_names(cursor)
        if "django_migrations" not in tables:
            return list(labels)
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = {f"{app}.{name}" for app, name in cursor.fetchall()}
    return [label for label in labels if label not in applied]


def mapped_aliases() -> list[str]:
    return sorted(set(settings.DATABASE_APPS_MAPPING.values()))


def fleet_aliases() -> list[str]:
    return tenant_database_aliases()


def template_target(alias: str) -> Target:
    return Target(alias, TEMPLATE_SCHEMA, None)
