"""Introspection that sees the current schema only, like django-tenants' own.

django-tenants switches with a session-level ``SET search_path`` and sets it back afterwards,
which leaves state on the server connection and, under per-statement ``SET LOCAL``, does not
even apply. Here the scope is narrowed for the call, and the backend carries it as usual.
"""

from contextlib import nullcontext
from dataclasses import replace

from django.db.backends.postgresql.introspection import DatabaseIntrospection

from tenancy import context


def _current_schema_only():
    scope = context.current_scope()
    if scope.is_public or not scope.include_public:
        return nullcontext()
    return context.activated(replace(scope, include_public=False))


class SchemaIntrospection(DatabaseIntrospection):
    def get_table_list(self, cursor):
        with _current_schema_only():
            return super().get_table_list(cursor)

    def get_table_description(self, cursor, table_name):
        with _current_schema_only():
            return super().get_table_description(cursor, table_name)

    def get_sequences(self, cursor, table_name, table_fields=()):
        with _current_schema_only():
            return super().get_sequences(cursor, table_name, table_fields)

    def get_relations(self, cursor, table_name):
        with _current_schema_only():
            return super().get_relations(cursor, table_name)

    def get_constraints(self, cursor, table_name):
        with _current_schema_only():
            return super().get_constraints(cursor, table_name)
