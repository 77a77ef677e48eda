"""A tenant schema's tables as data: their columns, row counts and checksums.

The checksum of a table is the sum of a 64-bit hash of each row (``hash_record_extended``
over the columns in name order; types without a hash of their own are hashed as text):
equal on two servers exactly when the rows are (a difference goes unseen with odds of about
2^-64), whatever the order the columns were created in or the rows were written. A sum
needs no sort and adds up: the sums of a table's key ranges add up to the table's, which is
what lets a move verify most of a large table before it stops writes
(``mobility.verification``). Exports of format 1 carry the older, slower checksum (an md5
over each row's md5 in key order); ``table_sum(..., method=MD5)`` still computes it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tenancy.schema_names import check_schema_name

TABLES_SQL = """
SELECT c.relname,
       array_agg(a.attname::text ORDER BY a.attnum) AS columns,
       array_agg(format_type(a.atttypid, NULL) ORDER BY a.attnum) AS types,
       coalesce((SELECT array_agg(k.attname::text ORDER BY array_position(i.indkey, k.attnum))
                 FROM pg_index i JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY(i.indkey)
                 WHERE i.indrelid = c.oid AND i.indisprimary), '{}') AS key
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
GROUP BY c.oid, c.relname
ORDER BY c.relname
"""


# Types whose own hash is the same on every server (the others are hashed as their text).
HASHED_NATIVELY = frozenset({
    "smallint", "integer", "bigint", "numeric", "real", "double precision", "boolean", "text",
    "character varying", "character", "uuid", "date", "timestamp with time zone",
    "timestamp without time zone", "time without time zone", "interval", "jsonb", "bytea", "inet",
})
HASH, MD5 = "hash", "md5"  # checksum methods: exports of format 1 carry MD5
LARGE_TABLE_ROWS = 20_000  # a move verifies larger tables by key range and builds their indexes last


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # primary key columns; empty: ordered by the whole row
    types: tuple[str, ...] = ()  # of each column, as format_type() names them

    def row_hash(self) -> str:
        """SQL for a 64-bit hash of a row, the columns in name order."""
        types = dict(zip(self.columns, self.types))
        values = [quote(c) if types.get(c) in HASHED_NATIVELY else f"{quote(c)}::text"
                  for c in sorted(self.columns)]
        return f"hash_record_extended(ROW({', '.join(values)}), 0)"

    def qualified(self, schema: str) -> str:
        return f'{quote(schema)}.{quote(self.name)}'

    def column_list(self) -> str:
        return ", ".join(quote(column) for column in self.columns)


@dataclass(frozen=True)
class TableSum:
    rows: int
    checksum: str

    def as_dict(self) -> dict:
        return asdict(self)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def schema_tables(cursor, schema: str) -> list[Table]:
    check_schema_name(schema)
    cursor.execute(TABLES_SQL, [quote(schema)])
    return [Table(name, tuple(columns), tuple(key), tuple(types))
            for name, columns, types, key in cursor.fetchall()]


def large_tables(cursor, schema: str) -> set[str]:
    """Tables with at least ``LARGE_TABLE_ROWS`` rows by the planner's estimate."""
    cursor.execute("SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace "
                   "AND relkind IN ('r', 'p') AND reltuples >= %s", [quote(schema), LARGE_TABLE_ROWS])
    return {name for (name,) in cursor.fetchall()}


def table_sum(cursor, schema: str, table: Table, *, method: str = HASH) -> TableSum:
    if method == MD5:
        row = "ROW(" + ", ".join(quote(c) for c in sorted(table.columns)) + ")::text"
        order = ", ".join(quote(c) for c in table.key) if table.key else row
        summed = f"md5(coalesce(string_agg(md5({row}), '' ORDER BY {order}), ''))"
    else:
        summed = f"coalesce(sum({table.row_hash()}), 0)::text"
    cursor.execute(f"SELECT count(*), {summed} FROM {table.qualified(schema)}")
    rows, checksum = cursor.fetchone()
    return TableSum(rows=rows, checksum=checksum)


def schema_sums(cursor, schema: str, *, method: str = HASH) -> dict[str, TableSum]:
    return {table.name: table_sum(cursor, schema, table, method=method)
            for table in schema_tables(cursor, schema)}


def sequences_advance(cursor, schema: str) -> None:
    """After rows were copied in, every identity and serial sequence continues past them."""
    cursor.execute(  # sequences owned by a column: identity ('i') and serial ('a') alike
        """
        SELECT c.relname, a.attname FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_class c ON c.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
        WHERE c.relnamespace = %s::regnamespace AND d.deptype IN ('a', 'i')
        """,
        [quote(schema)],
    )
    for table, column in cursor.fetchall():
        qualified = f"{quote(schema)}.{quote(table)}"
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), m) "
            f"FROM (SELECT max({quote(column)}) AS m FROM {qualified}) AS x WHERE m IS NOT NULL",
            [qualified, column],
        )
