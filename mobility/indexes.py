"""A large table's indexes and constraints, set aside while rows are bulk-copied in, then rebuilt.

Maintaining a table's indexes row by row makes a bulk copy several times slower than building
them once at the end, which is what ``pg_restore`` does; so is checking a foreign key row by
row rather than with one query when the constraint is added back. By default a table's
secondary indexes are set aside (those a foreign key or the replica identity relies on stay);
with ``keys=True`` (nothing reads or updates the tables until they are rebuilt) its primary
key, unique constraints and every foreign key from or to it go too. The statements to rebuild
come from the catalog (``pg_get_indexdef``/``pg_get_constraintdef``), so constraints come back
as constraints, under their names, deferrable as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from mobility.tables import quote

INDEXES_SQL = """
SELECT c.relname, ic.relname, con.conname, pg_get_indexdef(i.indexrelid), pg_get_constraintdef(con.oid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = c.oid
     AND con.contype IN ('p', 'u', 'x')
WHERE c.relnamespace = %(schema)s::regnamespace AND c.relname = ANY(%(tables)s) AND NOT i.indisreplident
  AND (%(keys)s OR NOT i.indisprimary AND NOT EXISTS (
       SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid))
ORDER BY c.relname, ic.relname
"""
FOREIGN_KEYS_SQL = """
SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_class r ON r.oid = con.confrelid
WHERE con.contype = 'f' AND c.relnamespace = %(schema)s::regnamespace
  AND (c.relname = ANY(%(tables)s) OR r.relnamespace = c.relnamespace AND r.relname = ANY(%(tables)s))
ORDER BY c.relname, con.conname
"""


@dataclass(frozen=True)
class SetAside:
    drop: str
    create: str


def _constraint(schema: str, table: str, name: str, definition: str) -> SetAside:
    qualified = f"{quote(schema)}.{quote(table)}"
    return SetAside(drop=f"ALTER TABLE {qualified} DROP CONSTRAINT {quote(name)}",
                    create=f"ALTER TABLE {qualified} ADD CONSTRAINT {quote(name)} {definition}")


def indexes_of(cursor, schema: str, tables: list[str], *, keys: bool = False) -> list[SetAside]:
    """What ``indexes_set_aside`` would drop, in the order it drops them: foreign keys first."""
    found = []
    params = {"schema": quote(schema), "tables": tables, "keys": keys}
    if keys:
        cursor.execute(FOREIGN_KEYS_SQL, params)
        found += [_constraint(schema, table, name, definition)
                  for table, name, definition in cursor.fetchall()]
    cursor.execute(INDEXES_SQL, params)
    for table, index, constraint, index_sql, constraint_sql in cursor.fetchall():
        if constraint:
            found.append(_constraint(schema, table, constraint, constraint_sql))
        else:
            found.append(SetAside(drop=f"DROP INDEX {quote(schema)}.{quote(index)}", create=index_sql))
    return found


def indexes_set_aside(cursor, schema: str, tables: list[str], *, keys: bool = False) -> list[SetAside]:
    """Drop ``tables``' secondary indexes (with ``keys``, their keys too); returns what
    ``indexes_rebuild`` needs, in the order it needs it: indexes, then the foreign keys that
    check against them."""
    found = indexes_of(cursor, schema, tables, keys=keys)
    for index in found:
        cursor.execute(index.drop)
    return found[::-1]


def indexes_rebuild(cursor, indexes: list[SetAside]) -> None:
    if not indexes:
        return
    # Memory to sort in: for this transaction only when there is one (a pooled connection
    # must not keep it), for the rest of this connection's life otherwise.
    in_transaction = not cursor.connection.autocommit
    cursor.execute("SELECT set_config('maintenance_work_mem', '256MB', %s)", [in_transaction])
    for index in indexes:
        cursor.execute(index.create)
