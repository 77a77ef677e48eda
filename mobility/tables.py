"""A tenant schema's tables as data: their columns, row counts and checksums.

The checksum of a table is an md5 over the md5 of each row, in primary-key order, with the
columns in name order: equal on two servers exactly when the rows are, whatever the order
the columns were created in or the rows were written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tenancy.schema_names import check_schema_name

TABLES_SQL = """
SELECT c.relname,
       array_agg(a.attname::text ORDER BY a.attnum) AS columns,
       coalesce((SELECT array_agg(k.attname::text ORDER BY array_position(i.indkey, k.attnum))
                 FROM pg_index i JOIN pg_attribute k ON k.attrelid = i.indrelid AND k.attnum = ANY(i.indkey)
                 WHERE i.indrelid = c.oid AND i.indisprimary), '{}') AS key
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
GROUP BY c.oid, c.relname
ORDER BY c.relname
"""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # primary key columns; empty: ordered by the whole row

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
    return [Table(name, tuple(columns), tuple(key)) for name, columns, key in cursor.fetchall()]


def table_sum(cursor, schema: str, table: Table) -> TableSum:
    row = "ROW(" + ", ".join(quote(c) for c in sorted(table.columns)) + ")::text"
    order = ", ".join(quote(c) for c in table.key) if table.key else row
    cursor.execute(
        f"SELECT count(*), md5(coalesce(string_agg(md5({row}), '' ORDER BY {order}), '')) "
        f"FROM {table.qualified(schema)}"
    )
    rows, checksum = cursor.fetchone()
    return TableSum(rows=rows, checksum=checksum)


def schema_sums(cursor, schema: str) -> dict[str, TableSum]:
    return {table.name: table_sum(cursor, schema, table) for table in schema_tables(cursor, schema)}


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
