"""New tenants are cloned from a template schema instead of replaying every migration.

``tenants migrate`` keeps one template schema per database alias migrated like a tenant's.
Provisioning copies it in one round trip: tables (columns, defaults, identity), their rows
(``django_migrations``, content types, permissions, groups), then constraints and indexes
under their original names, so later migrations find exactly what they would on a migrated
schema. django-tenants' own ``clone_schema`` renames constraints and was slower here than
migrating (0.75 s), hence these few queries written by hand.
"""

from __future__ import annotations

from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django_tenants.postgresql_backend.base import FakeTenant

from tenancy import context
from tenancy.schema_names import check_schema_name

TEMPLATE_SCHEMA = "tenantry_template"
_clone_sql: dict[str, tuple[int, str]] = {}  # alias -> (template's migration count, statements)
_current: set[str] = set()  # aliases whose template has every migration, seen by this process


def template_scope(alias: str, include_public: bool = True) -> context.Scope:
    return context.Scope(TEMPLATE_SCHEMA, alias, FakeTenant(TEMPLATE_SCHEMA), include_public)


def template_migrate(*, alias: str, verbosity: int = 0, stdout=None) -> None:
    """Create the alias's template schema if missing and bring it up to date."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{TEMPLATE_SCHEMA}"')
    with context.activated(template_scope(alias)):
        call_command("migrate", database=alias, interactive=False, verbosity=verbosity, stdout=stdout)
    template_changed(alias)


def template_changed(alias: str) -> None:
    """The template was migrated (here or by the fleet): rebuild the clone, recheck readiness."""
    _clone_sql.pop(alias, None)
    _current.discard(alias)


def template_ready(alias: str) -> bool:
    """The template exists and no migration is missing from it (checked once per process)."""
    if alias in _current:
        return True
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [TEMPLATE_SCHEMA])
        if cursor.fetchone() is None:
            return False
    with context.activated(template_scope(alias)):
        executor = MigrationExecutor(connections[alias])
        behind = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not behind:
        _current.add(alias)
    return not behind


def schema_clone(*, schema_name: str, alias: str) -> None:
    """Create ``schema_name`` on ``alias`` as a copy of the template."""
    check_schema_name(schema_name)
    with connections[alias].cursor() as cursor:
        # A fleet migration in another process may have changed the template since the
        # statements were built (a new table would be missing from the copy): rebuild then.
        cursor.execute(f'SELECT count(*) FROM "{TEMPLATE_SCHEMA}".django_migrations')
        migrations = cursor.fetchone()[0]
        if _clone_sql.get(alias, (None,))[0] != migrations:
            _clone_sql[alias] = (migrations, _build_clone_sql(alias))
        cursor.execute(f'CREATE SCHEMA "{schema_name}"')
    scope = context.Scope(schema_name, alias, FakeTenant(schema_name), include_public=False)
    with context.activated(scope), connections[alias].cursor() as cursor:
        cursor.execute(_clone_sql[alias][1].replace("{schema}", schema_name))


def _build_clone_sql(alias: str) -> str:
    # Read the catalog with only the template on the search path: definitions then name
    # their tables unqualified, and what is qualified is rewritten to the new schema.
    with context.activated(template_scope(alias, include_public=False)):
        with connections[alias].cursor() as cursor:
            cursor.execute(CATALOG_SQL, {"template": TEMPLATE_SCHEMA})
            return ";\n".join([COMMENT_SQL, *(row[0] for row in cursor.fetchall())]) + ";"


# The template's comment (the fleet's "every migration is in" marker) goes first: read before
# the rows, it can only be older than them, never claim a migration the copy lacks.
COMMENT_SQL = (
    "DO $$ BEGIN EXECUTE format('COMMENT ON SCHEMA %I IS %L', '{schema}', "
    f"obj_description('{TEMPLATE_SCHEMA}'::regnamespace, 'pg_namespace')); END $$"
)

# One row per statement, in the order they run: tables, rows, sequences, keys and checks,
# indexes, foreign keys. ``{schema}`` is the new schema's name, filled in at clone time.
CATALOG_SQL = """
WITH tables AS (
    SELECT c.oid, c.relname FROM pg_class c
    WHERE c.relnamespace = %(template)s::regnamespace AND c.relkind = 'r'
)
SELECT stmt FROM (
    SELECT 1 AS step, t.oid AS ord,
           format('CREATE TABLE "{schema}".%%I (LIKE %%I.%%I INCLUDING DEFAULTS INCLUDING IDENTITY '
                  'INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION)',
                  t.relname, %(template)s, t.relname) AS stmt
    FROM tables t
    UNION ALL
    SELECT 2, t.oid,
           format('INSERT INTO "{schema}".%%I SELECT * FROM %%I.%%I', t.relname, %(template)s, t.relname)
    FROM tables t
    UNION ALL
    SELECT 3, a.attrelid,
           format('SELECT setval(pg_get_serial_sequence(%%L, %%L), m) '
                  'FROM (SELECT max(%%I) AS m FROM "{schema}".%%I) AS x WHERE m IS NOT NULL',
                  '"{schema}".' || quote_ident(t.relname), a.attname, a.attname, t.relname)
    FROM pg_attribute a JOIN tables t ON t.oid = a.attrelid
    WHERE a.attidentity IN ('a', 'd')
    UNION ALL
    SELECT CASE WHEN con.contype = 'f' THEN 6 ELSE 4 END, con.oid,
           format('ALTER TABLE "{schema}".%%I ADD CONSTRAINT %%I %%s', t.relname, con.conname,
                  replace(pg_get_constraintdef(con.oid), %(template)s || '.', '"{schema}".'))
    FROM pg_constraint con JOIN tables t ON t.oid = con.conrelid
    WHERE con.contype IN ('p', 'u', 'c', 'x', 'f')
    UNION ALL
    SELECT 5, i.indexrelid,
           replace(pg_get_indexdef(i.indexrelid), ' ON ' || %(template)s || '.', ' ON "{schema}".')
    FROM pg_index i JOIN tables t ON t.oid = i.indrelid
    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
) AS steps
ORDER BY step, ord
"""
