"""PostgreSQL backend: django-tenants' schemas, safe behind a transaction pooler.

django-tenants issues a session-level ``SET search_path`` before queries. Behind pgbouncer in
transaction mode the next transaction may run on another server connection, one that carries
another tenant's search path. Here the search path travels with the statement instead:

* in autocommit mode every statement is sent as ``SET LOCAL search_path = ...; <statement>``
  (one round trip; ``SET LOCAL`` dies with the implicit transaction);
* inside a transaction the first statement carries it, and it lasts until commit or rollback
  (a rollback to a savepoint may undo it, so the next statement sets it again).

Nothing is left on the server connection, so a connection whose statement somehow came
without our scope sees the database's default search path, which ``tenants migrate`` points
at an empty schema: an error, never another tenant's rows.

The current tenant lives in ``tenancy.context`` (a context variable); ``set_tenant()``,
``set_schema()`` and ``set_schema_to_public()`` keep django-tenants' API and write it.
"""

import functools
import re

import psycopg2.extensions
from django.conf import settings
from django.db.backends.postgresql import base as postgresql_base
from django_tenants.postgresql_backend import base as tenants_base

from tenancy import context, limits
from tenancy.backend.introspection import SchemaIntrospection
from tenancy.schema_names import check_schema_name

# Statements PostgreSQL refuses inside a transaction block, so they cannot carry SET LOCAL.
# None of them reads tenant tables.
NOT_IN_TRANSACTION = re.compile(
    r"\s*(?:(?:CREATE|DROP|ALTER)\s+DATABASE|VACUUM|REINDEX\s+\w+\s+CONCURRENTLY"
    r"|(?:CREATE|DROP)\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY|ALTER\s+SYSTEM)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def search_path_statement(schemas: tuple[str, ...], statement_timeout_ms: int = 0) -> str:
    """The prefix sent in the same message as a statement: its search path, and the tenant's
    plan's ``statement_timeout`` when one applies (no extra round trip, nothing left behind)."""
    for name in schemas:
        check_schema_name(name)
    prefix = "SET LOCAL search_path = " + ", ".join(f'"{name}"' for name in schemas) + "; "
    if statement_timeout_ms:
        prefix += f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}; "
    return prefix


class ScopedCursor(psycopg2.extensions.cursor):
    """A psycopg2 cursor whose statements carry the search path of the current scope."""

    wrapper = None

    def execute(self, sql, params=None):
        return super().execute(self.wrapper.scoped(sql), params)

    def executemany(self, sql, param_list):
        return super().executemany(self.wrapper.scoped(sql, every_time=True), param_list)


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        # Skip django-tenants' __init__: it resets the schema to public on every new
        # connection object, and here the schema is the context's, not the connection's.
        postgresql_base.DatabaseWrapper.__init__(self, *args, **kwargs)
        self.introspection = SchemaIntrospection(self)
        self.search_path_set_schemas = None
        self._setting_search_path = False
        self._transaction_search_path = None
        # A server-side cursor outlives the statement that opened it, so a transaction
        # pooler may hand its FETCH to another connection: never use them.
        self.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True

    # --- django-tenants' API, backed by tenancy.context --------------------------------------

    @property
    def tenant(self):
        return context.current_scope().tenant

    @tenant.setter
    def tenant(self, value):  # django-tenants assigns it; the context variable holds it
        pass

    @property
    def schema_name(self):
        return context.current_scope().schema_name

    @schema_name.setter
    def schema_name(self, value):
        pass

    def set_tenant(self, tenant, include_public=True):
        check_schema_name(tenant.schema_name)
        if getattr(tenant, "database_alias", None):
            alias, slug = tenant.database_alias, getattr(tenant, "slug", None)
        else:
            alias, slug = self._home_of(tenant.schema_name)
        # Content types need no clearing: their cache is per schema (tenancy.contenttypes).
        context.set_scope(context.Scope(tenant.schema_name, alias, tenant, include_public, slug))

    def set_schema(self, schema_name, include_public=True, tenant_type=None):
        self.set_tenant(tenants_base.FakeTenant(schema_name, tenant_type), include_public)

    def set_schema_to_public(self):
        context.set_scope(context.public_scope())

    def _home_of(self, schema_name: str) -> tuple[str, str | None]:
        """Alias and slug of a schema named without its tenant (``schema_context()``)."""
        if schema_name == context.PUBLIC_SCHEMA:
            return context.primary_alias(), None
        from tenancy.hosts import placement_of_schema  # the backend loads before the cache

        placement = placement_of_schema(schema_name)
        if placement is None:  # the template schema, or one being made or dropped
            return self.alias, None
        if self.alias != context.primary_alias():
            return self.alias, placement.slug
        return placement.database_alias, placement.slug

    # --- the search path, carried by each transaction ---------------------------------------

    def scoped(self, sql: str, every_time: bool = False) -> str:
        if NOT_IN_TRANSACTION.match(sql):
            return sql
        scope = context.current_scope()
        schemas = scope.search_path_on(self.alias)
        timeout = limits.statement_timeout_ms(scope)
        if not self.autocommit and not every_time:
            if self._transaction_search_path == (schemas, timeout):
                return sql
            self._transaction_search_path = (schemas, timeout)
        return search_path_statement(schemas, timeout) + sql

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(cursor_factory=ScopedCursor)
        cursor.wrapper = self
        cursor.tzinfo_factory = self.tzinfo_factory if settings.USE_TZ else None
        return cursor

    # Not django-tenants' _cursor: it would issue a session-level SET search_path. Django's own,
    # assigned rather than called from a method of ours: one Python call less per statement.
    _cursor = postgresql_base.DatabaseWrapper._cursor

    def _forget_search_path(self):
        self._transaction_search_path = None

    def _commit(self):
        self._forget_search_path()
        return super()._commit()

    def _rollback(self):
        self._forget_search_path()
        return super()._rollback()

    def _savepoint_rollback(self, sid):
        try:
            return super()._savepoint_rollback(sid)
        finally:
            self._forget_search_path()

    def _set_autocommit(self, autocommit):
        self._forget_search_path()
        return super()._set_autocommit(autocommit)

    def _close(self):
        self._forget_search_path()
        return super()._close()
