"""A tenant schema as data: read one out of a database in one snapshot, build one from it.

Reading uses a connection of its own (``REPEATABLE READ``, read-only), so the export of a
live tenant is one consistent snapshot. Building runs in one transaction on the target
alias: the schema is created at exactly the migration state the rows were written in (a copy
of the alias's template schema when that has exactly those migrations, else migration by
migration), the rows are copied in, sequences advanced, every table's count and checksum
compared with the manifest, and only then migrated forward to this code's state. Any
failure leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import psycopg2
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django_tenants.postgresql_backend.base import FakeTenant

from mobility.bundle import CHUNK, BundleReader, BundleWriter, Manifest
from mobility.indexes import indexes_rebuild, indexes_set_aside
from mobility.tables import (HASH, LARGE_TABLE_ROWS, MD5, quote, schema_sums, schema_tables,
                             sequences_advance, table_sum)
from tenancy import context
from tenants import template_schema
from tenancy.schema_names import check_schema_name

Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, message: str) -> None:
    pass


@contextmanager
def raw_connection(alias: str, *, autocommit: bool = False, application_name: str = "tenantry",
                   connection_factory=None):
    """A psycopg2 connection of its own to ``alias``'s server (not Django's, not scoped)."""
    params = {k: v for k, v in connections[alias].get_connection_params().items()
              if k != "cursor_factory"}
    connection = psycopg2.connect(**params, application_name=application_name[:63],
                                  connection_factory=connection_factory)
    if connection_factory is None:  # a replication connection is always in autocommit
        connection.autocommit = autocommit
    try:
        yield connection
    finally:
        connection.close()


def schema_scope(schema: str, alias: str) -> context.Scope:
    return context.Scope(schema, alias, FakeTenant(schema), include_public=False)


def applied_migrations(cursor, schema: str) -> list[list[str]]:
    cursor.execute(f"SELECT app, name FROM {quote(schema)}.django_migrations ORDER BY id")
    return [[app, name] for app, name in cursor.fetchall()]


def schema_write(*, connection, schema: str, writer: BundleWriter, progress: Progress = no_progress,
                 lock: bool = False) -> tuple[list[list[str]], dict[str, dict]]:
    """Copy every table of ``schema`` into ``writer``, in the connection's one snapshot.

    ``lock``: first take SHARE locks (wait for writers in flight, hold off new ones), so the
    snapshot is also the last state anybody wrote.
    """
    check_schema_name(schema)
    # SHARE locks are refused in a read-only transaction; a move also renames the schema later.
    connection.set_session(isolation_level="REPEATABLE READ", readonly=not lock)
    tables_out: dict[str, dict] = {}
    with connection.cursor() as cursor:
        tables = schema_tables(cursor, schema)
        if lock and tables:
            cursor.execute("LOCK TABLE " + ", ".join(t.qualified(schema) for t in tables)
                           + " IN SHARE MODE")
        migrations = applied_migrations(cursor, schema)
        for number, table in enumerate(tables, 1):
            progress(number - 1, len(tables), f"copying {table.name}")
            copy_out = f"COPY {table.qualified(schema)} ({table.column_list()}) TO STDOUT"
            sha256 = writer.add_rows(table.name, lambda out: cursor.copy_expert(copy_out, out))
            summed = table_sum(cursor, schema, table)
            tables_out[table.name] = {"columns": list(table.columns), "key": list(table.key),
                                      "rows": summed.rows, "checksum": summed.checksum,
                                      "sha256": sha256}
        progress(len(tables), len(tables), "copied")
    return migrations, tables_out


def check_migrations_known(manifest: Manifest, *, alias: str) -> None:
    """Refuse a schema from a newer Tenantry: one with migrations this code does not have."""
    graph = MigrationLoader(connections[alias], ignore_no_migrations=True).graph
    unknown = [f"{app}.{name}" for app, name in manifest.migrations if (app, name) not in graph.nodes]
    if unknown:
        shown = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
        raise ValidationError(
            f"The export comes from a newer version of Tenantry (unknown migrations: {shown}); "
            "upgrade this installation first.", code="newer")


def _targets(graph, applied: list[list[str]]) -> list[tuple[str, str]]:
    """The last applied migration of each app: migrating to them rebuilds the exact state."""
    applied_set = {tuple(node) for node in applied}
    return [node for node in map(tuple, applied)
            if not any(child in applied_set and child[0] == node[0]
                       for child in graph.node_map[node].children)]


def _template_has_exactly(alias: str, migrations: list[list[str]]) -> bool:
    """The alias's template schema is a copy source for a schema with exactly ``migrations``."""
    if not template_schema.template_ready(alias) or template_schema.uncloneable(alias):
        return False
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {quote(template_schema.template_schema_name())}.django_migrations")
        return set(cursor.fetchall()) == {tuple(migration) for migration in migrations}


def schema_build(*, reader: BundleReader, schema: str, alias: str,
                 progress: Progress = no_progress, with_rows: bool = True) -> None:
    """Create ``schema`` on ``alias`` from the export ``reader`` (verified by the caller).

    ``with_rows=False`` builds the empty tables only, at exactly the export's migration state
    and with no row at all (an online move's subscription copies the rows in itself).
    """
    check_schema_name(schema)
    manifest = reader.manifest
    with context.activated(context.public_scope()), transaction.atomic(using=alias):
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
            if cursor.fetchone():
                raise ValidationError(f"Schema {schema} already exists on {alias}.", code="exists")
        if _template_has_exactly(alias, manifest.migrations):  # one round trip
            template_schema.schema_clone(schema_name=schema, alias=alias)
        else:  # the export's state, migration by migration
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE SCHEMA {quote(schema)}")
            with context.activated(schema_scope(schema, alias)):
                executor = MigrationExecutor(connection)
                executor.migrate(_targets(executor.loader.graph, manifest.migrations))
        raw = connection.connection  # psycopg2's, for COPY: names below are all qualified
        with raw.cursor() as cursor:
            tables = {table.name: table for table in schema_tables(cursor, schema)}
            missing = sorted(set(manifest.tables) - set(tables))
            if missing:
                raise ValidationError(f"The export has tables this schema state lacks: {', '.join(missing)}.",
                                      code="mismatch")
            # Fire the foreign-key checks the migrations' own rows left pending, or TRUNCATE
            # refuses; then defer them again, so tables load in any order.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE " + ", ".join(t.qualified(schema) for t in tables.values()))
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if not with_rows:
                return
            _rows_load(cursor, reader=reader, schema=schema, progress=progress)
        with context.activated(schema_scope(schema, alias)):  # forward, if the export is older
            call_command("migrate", database=alias, interactive=False, verbosity=0)


def _rows_load(cursor, *, reader: BundleReader, schema: str, progress: Progress) -> None:
    manifest = reader.manifest
    total = len(manifest.tables)
    large = sorted(name for name, info in manifest.tables.items() if info["rows"] >= LARGE_TABLE_ROWS)
    set_aside = indexes_set_aside(cursor, schema, large, keys=True)  # built after the rows
    for number, (name, info) in enumerate(sorted(manifest.tables.items()), 1):
        progress(number - 1, total, f"loading {name}")
        columns = ", ".join(quote(column) for column in info["columns"])
        cursor.copy_expert(f"COPY {quote(schema)}.{quote(name)} ({columns}) FROM STDIN",
                           reader.table_rows(name), size=CHUNK)
    progress(total, total, f"building {len(set_aside)} indexes")
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # indexes wait for no pending foreign-key check
    indexes_rebuild(cursor, set_aside)
    sequences_advance(cursor, schema)
    found = schema_sums(cursor, schema, method=MD5 if manifest.format_version < 2 else HASH)
    for name, info in manifest.tables.items():
        if (found[name].rows, found[name].checksum) != (info["rows"], info["checksum"]):
            raise ValidationError(
                f"Table {name} differs after loading ({found[name].rows} rows, expected "
                f"{info['rows']}): nothing was kept.", code="verify")
    progress(total, total, "loaded and verified")


def schema_drop(*, schema: str, alias: str) -> None:
    check_schema_name(schema)
    with raw_connection(alias, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema)} CASCADE")


def schema_exists(*, schema: str, alias: str) -> bool:
    with raw_connection(alias) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        return cursor.fetchone() is not None
