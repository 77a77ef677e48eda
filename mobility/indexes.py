"""A large table's secondary indexes, set aside while rows are bulk-copied in, then rebuilt.

Maintaining five indexes row by row makes a bulk copy several times slower than building
them once at the end, which is what ``pg_restore`` does; so is checking a foreign key row by
row rather than with one query when the constraint is added back. Primary keys stay (logical
replication finds the rows it updates by them), as do indexes a foreign key or the replica
identity relies on. The statements to rebuild come from the catalog
(``pg_get_indexdef``/``pg_get_constraintdef``), so unique, exclusion and foreign-key
constraints come back as constraints, deferrable as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from mobility.tables import quote

SECONDARY_INDEXES_SQL = """
SELECT c.relname, ic.relname, con.conname, pg_get_indexdef(i.indexrelid), pg_get_constraintdef(con.oid)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = c.oid AND con.contype IN ('u', 'x')
WHERE c.relnamespace = %s::regnamespace AND c.relname = ANY(%s)
  AND NOT i.indisprimary AND NOT i.indisreplident
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
ORDER BY c.relname, ic.relname
"""


@dataclass(frozen=True)
class SecondaryIndex:
    drop: str
    create: str


FOREIGN_KEYS_SQL = """
SELECT c.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
WHERE c.relnamespace = %s::regnamespace AND c.relname = ANY(%s) AND con.contype = 'f'
ORDER BY c.relname, con.conname
"""


def secondary_indexes(cursor, schema: str, tables: list[str], *,
                      foreign_keys: bool = False) -> list[SecondaryIndex]:
    """``tables``' secondary indexes (and, with ``foreign_keys``, their foreign keys, last)."""
    found = []
    if foreign_keys:
        cursor.execute(FOREIGN_KEYS_SQL, [quote(schema), tables])
        for table, constraint, definition in cursor.fetchall():
            qualified = f"{quote(schema)}.{quote(table)}"
            found.append(SecondaryIndex(
                drop=f"ALTER TABLE {qualified} DROP CONSTRAINT {quote(constraint)}",
                create=f"ALTER TABLE {qualified} ADD CONSTRAINT {quote(constraint)} {definition}"))
    cursor.execute(SECONDARY_INDEXES_SQL, [quote(schema), tables])
    for table, index, constraint, index_sql, constraint_sql in cursor.fetchall():
        qualified = f"{quote(schema)}.{quote(table)}"
        if constraint:
            found.append(SecondaryIndex(
                drop=f"ALTER TABLE {qualified} DROP CONSTRAINT {quote(constraint)}",
                create=f"ALTER TABLE {qualified} ADD CONSTRAINT {quote(constraint)} {constraint_sql}"))
        else:
            found.append(SecondaryIndex(drop=f"DROP INDEX {quote(schema)}.{quote(index)}", create=index_sql))
    return found


def indexes_set_aside(cursor, schema: str, tables: list[str], *,
                      foreign_keys: bool = False) -> list[SecondaryIndex]:
    """Drop ``tables``' secondary indexes (and foreign keys); what ``indexes_rebuild`` needs.

    Rebuilt in reverse: indexes first, then the foreign keys that check against them."""
    found = secondary_indexes(cursor, schema, tables, foreign_keys=foreign_keys)
    for index in found:
        cursor.execute(index.drop)
    return found[::-1]


def indexes_rebuild(cursor, indexes: list[SecondaryIndex]) -> None:
    if not indexes:
        return
    # Memory to sort in: for this transaction only when there is one (a pooled connection
    # must not keep it), for the rest of this connection's life otherwise.
    in_transaction = not cursor.connection.autocommit
    cursor.execute("SELECT set_config('maintenance_work_mem', '256MB', %s)", [in_transaction])
    for index in indexes:
        cursor.execute(index.create)
