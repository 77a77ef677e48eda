"""New tenants are cloned from a template schema instead of replaying every migration.

``tenants migrate`` keeps one template schema per database alias migrated like a tenant's.
Provisioning copies it in one round trip: tables (columns, defaults, identity), their rows
(``django_migrations``, content types, permissions, groups), then constraints and indexes
under their original names, so later migrations find exactly what they would on a migrated
schema. django-tenants' own ``clone_schema`` renames constraints and was slower here than
migrating (0.75 s), hence these few queries written by hand.

The copy covers tables, their rows, identity sequences, constraints and indexes: all that
Django's schema operations create. Anything else a migration may add to the template (a view,
a function, a trigger, a rule, a policy, a standalone or serial sequence, a partitioned or
foreign table, a type, a domain, an extension's objects...) is detected by ``uncloneable``, and
provisioning then migrates the new schema instead: slower, never incomplete.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django_tenants.postgresql_backend.base import FakeTenant

from tenancy import context
from tenancy.schema_names import check_schema_name

logger = logging.getLogger(__name__)

TEMPLATE_SCHEMA = "tenantry_template"
_clone_sql: dict[str, tuple[int, str]] = {}  # alias -> (template's migration count, statements)
_uncloneable: dict[str, list[str]] = {}  # alias -> what the copy would miss (empty: nothing)
_current: set[str] = set()  # aliases whose template has every migration, seen by this process


def template_schema_name() -> str:
    """``TENANT_TEMPLATE_SCHEMA`` (a test may use a template of its own), by default ``tenantry_template``."""
    return getattr(settings, "TENANT_TEMPLATE_SCHEMA", TEMPLATE_SCHEMA)


def template_scope(alias: str, include_public: bool = True) -> context.Scope:
    name = template_schema_name()
    return context.Scope(name, alias, FakeTenant(name), include_public)


def template_migrate(*, alias: str, verbosity: int = 0, stdout=None) -> None:
    """Create the alias's template schema if missing and bring it up to date."""
    with connections[alias].cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template_schema_name()}"')
    with context.activated(template_scope(alias)):
        call_command("migrate", database=alias, interactive=False, verbosity=verbosity, stdout=stdout)
    template_changed(alias)


def template_changed(alias: str) -> None:
    """The template was migrated (here or by the fleet): rebuild the clone, recheck readiness."""
    _clone_sql.pop(alias, None)
    _uncloneable.pop(alias, None)
    _current.discard(alias)


def template_ready(alias: str) -> bool:
    """The template exists and no migration is missing from it (checked once per process)."""
    if alias in _current:
        return True
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [template_schema_name()])
        if cursor.fetchone() is None:
            return False
    with context.activated(template_scope(alias)):
        executor = MigrationExecutor(connections[alias])
        behind = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not behind:
        _current.add(alias)
    return not behind


def uncloneable(alias: str) -> list[str]:
    """What in the alias's template a copy would miss ("view tenantry_template.x", ...)."""
    if alias not in _uncloneable:
        with connections[alias].cursor() as cursor:
            cursor.execute(UNCLONEABLE_SQL, {"template": template_schema_name()})
            _uncloneable[alias] = [f"{kind} {name}" for kind, name in cursor.fetchall()]
        if _uncloneable[alias]:
            logger.warning("template on %s cannot be copied (%s): new tenants are migrated instead",
                           alias, ", ".join(_uncloneable[alias]))
    return _uncloneable[alias]


def schema_clone(*, schema_name: str, alias: str) -> None:
    """Create ``schema_name`` on ``alias`` as a copy of the template (see ``uncloneable``)."""
    check_schema_name(schema_name)
    if missed := uncloneable(alias):
        raise ValueError(f"the template on {alias} holds what a copy would miss: {', '.join(missed)}")
    with connections[alias].cursor() as cursor:
        # A fleet migration in another process may have changed the template since the
        # statements were built (a new table would be missing from the copy): rebuild then.
        cursor.execute(f'SELECT count(*) FROM "{template_schema_name()}".django_migrations')
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
            cursor.execute(CATALOG_SQL, {"template": template_schema_name()})
            comment = COMMENT_SQL.replace("{template}", template_schema_name())
            return ";\n".join([comment, *(row[0] for row in cursor.fetchall())]) + ";"


# The template's comment (the fleet's "every migration is in" marker) goes first: read before
# the rows, it can only be older than them, never claim a migration the copy lacks. The
# template's name is filled in where it is built (``{template}``: a test may use its own).
COMMENT_SQL = (
    "DO $$ BEGIN EXECUTE format('COMMENT ON SCHEMA %I IS %L', '{schema}', "
    "obj_description('{template}'::regnamespace, 'pg_namespace')); END $$"
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


# Objects in the template that CATALOG_SQL does not copy. Tables (``r``), their indexes and
# identity sequences, and constraints on tables are copied; every other kind found is named.
UNCLONEABLE_SQL = """
SELECT kind, name FROM (
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                WHEN 'S' THEN 'sequence' WHEN 'p' THEN 'partitioned table'
                WHEN 'I' THEN 'partitioned index' WHEN 'f' THEN 'foreign table'
                WHEN 'c' THEN 'composite type' ELSE 'relation ' || c.relkind::text END AS kind,
           c.relname AS name
    FROM pg_class c
    WHERE c.relnamespace = %(template)s::regnamespace AND c.relkind NOT IN ('r', 'i')
      -- identity sequences come with their column (CREATE TABLE ... INCLUDING IDENTITY)
      AND NOT (c.relkind = 'S' AND EXISTS (
          SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                       AND d.deptype = 'i'))
    UNION ALL
    SELECT 'partition', c.relname FROM pg_class c
    WHERE c.relnamespace = %(template)s::regnamespace AND c.relispartition
    UNION ALL
    SELECT 'row level security', c.relname FROM pg_class c
    WHERE c.relnamespace = %(template)s::regnamespace AND c.relkind = 'r' AND (c.relrowsecurity OR c.relhasrules)
    UNION ALL
    SELECT 'function', p.proname FROM pg_proc p WHERE p.pronamespace = %(template)s::regnamespace
    UNION ALL
    SELECT 'trigger', t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE c.relnamespace = %(template)s::regnamespace AND NOT t.tgisinternal
    UNION ALL
    SELECT 'policy', pol.polname FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid
    WHERE c.relnamespace = %(template)s::regnamespace
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'e' THEN 'enum type'
                WHEN 'r' THEN 'range type' WHEN 'm' THEN 'multirange type' ELSE 'type' END,
           t.typname
    FROM pg_type t
    WHERE t.typnamespace = %(template)s::regnamespace AND t.typtype IN ('b', 'd', 'e', 'r', 'm')
      AND t.typelem = 0  -- array types come with their element type
    UNION ALL
    SELECT 'statistics object', s.stxname FROM pg_statistic_ext s
    WHERE s.stxnamespace = %(template)s::regnamespace
    UNION ALL
    SELECT 'collation', co.collname FROM pg_collation co
    WHERE co.collnamespace = %(template)s::regnamespace
    UNION ALL
    SELECT 'operator', o.oprname FROM pg_operator o WHERE o.oprnamespace = %(template)s::regnamespace
    UNION ALL
    SELECT 'text search configuration', ts.cfgname FROM pg_ts_config ts
    WHERE ts.cfgnamespace = %(template)s::regnamespace
    UNION ALL
    SELECT 'extension', e.extname FROM pg_extension e WHERE e.extnamespace = %(template)s::regnamespace
    UNION ALL
    SELECT 'constraint on a domain', con.conname FROM pg_constraint con
    WHERE con.connamespace = %(template)s::regnamespace AND con.conrelid = 0
) AS found
ORDER BY kind, name
"""
