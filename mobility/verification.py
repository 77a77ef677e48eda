"""Comparing a moving tenant's two copies while writes wait, without summing every row then.

A full checksum of a million-row table takes about half a second per side, too long to hold
writes for. So a large table (one integer key, no negative values) is summed by key range
before the freeze, on each side in one snapshot whose horizon is kept (``Verifier.baseline``:
the source's in the snapshot the copy was made from, while it is made; the destination's
once it has the rows). Under the lock (``Verifier.differing``) each side only counts its
rows per range, and those whose version is at or past its snapshot's horizon (``xmin``): a
range holding such a row, or whose count moved, is summed again; every other range still
has the sum its snapshot saw, because a row changes only by a new version with a new
``xmin`` and a deletion lowers its range's count. Small tables are summed whole. The two
sides are compared range by range and table by table; both work at once, each on its
server. The sums are ``mobility.tables``' (a range's sums add up to the table's).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from mobility.tables import Table, large_tables, quote, schema_tables, table_sum

RANGES = 1024  # key ranges of a large table
RESUM_ALL = RANGES // 4  # more changed ranges than this: sum the whole table again
INTEGER_TYPES = frozenset({"smallint", "integer", "bigint"})
XID_MODULO = 1 << 32

Sums = dict[int, tuple[int, int]]  # key range -> (rows, sum of row hashes)


@dataclass(frozen=True)
class RangedTable:
    table: Table
    width: int  # of a key range

    @property
    def range_of_row(self) -> str:
        return f"{quote(self.table.key[0])} / {self.width}"

    def sums_sql(self, schema: str, where: str = "") -> str:
        return (f"SELECT {self.range_of_row}, count(*), sum({self.table.row_hash()}) "
                f"FROM {self.table.qualified(schema)} {where} GROUP BY 1")

    def ranges_condition(self, ranges: list[int]) -> str:
        key = quote(self.table.key[0])
        return " OR ".join(f"({key} >= {n * self.width} AND {key} < {(n + 1) * self.width})"
                           for n in sorted(ranges))


@dataclass
class Baseline:
    """One side's range sums, and the oldest transaction its snapshot did not see finish."""
    horizon: int = 0  # a 32-bit xid
    sums: dict[str, Sums] = field(default_factory=dict)


def _as_sums(rows) -> Sums:
    return {int(n): (int(count), int(total or 0)) for n, count, total in rows}


class Verifier:
    """``plan()`` and each side's ``baseline()`` while the tenant still writes, ``differing()``
    once the source is locked.

    ``connect(alias)`` opens a connection to an alias (a context manager): one is held per
    side for the verifier's life.
    """

    def __init__(self, *, schema: str, source: str, destination: str, connect):
        self.schema, self.aliases = schema, (source, destination)
        self._stack = ExitStack()
        self.connections = {alias: self._stack.enter_context(connect(alias)) for alias in self.aliases}
        for connection in self.connections.values():
            connection.autocommit = True
        self.tables: list[Table] = []
        self.large: set[str] = set()  # tables of LARGE_TABLE_ROWS or more (by the estimate)
        self.ranged: list[RangedTable] = []
        self.baselines: dict[str, Baseline] = {}

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def plan(self, snapshot: str | None = None) -> None:
        """Which tables are summed by key range, and how wide a range is (from the source)."""
        with self._transaction(self.aliases[0], snapshot) as cursor:
            self.tables = schema_tables(cursor, self.schema)
            self.large = large_tables(cursor, self.schema)
            self.ranged = [ranged for ranged in (self._ranged(cursor, table) for table in self.tables
                                                 if table.name in self.large) if ranged]

    def baseline(self, alias: str, snapshot: str | None = None) -> None:
        """Sum ``alias``'s large tables by key range, in ``snapshot`` or a new one."""
        with self._transaction(alias, snapshot) as cursor:
            # The first statement takes the snapshot that every sum below sees.
            cursor.execute("SELECT txid_snapshot_xmin(txid_current_snapshot())")
            baseline = Baseline(horizon=cursor.fetchone()[0] % XID_MODULO)
            for ranged in self.ranged:
                cursor.execute(ranged.sums_sql(self.schema))
                baseline.sums[ranged.table.name] = _as_sums(cursor.fetchall())
        self.baselines[alias] = baseline

    def differing_baselines(self) -> list[str]:
        """Large tables whose baselines differ: taken at the same point (the copy's snapshot
        and the copy), they agree unless the copy is wrong."""
        source, destination = (self.baselines[alias].sums for alias in self.aliases)
        return sorted(name for name in source if destination.get(name) != source[name])

    def differing(self) -> list[str]:
        """The tables whose rows differ between the two sides (none: the copy is exact)."""
        source, destination = self._on_both_sides(self._current)
        return sorted(name for name in source if source[name] != destination.get(name))

    def _on_both_sides(self, work) -> list:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(work, self.aliases))

    def _ranged(self, cursor, table: Table) -> RangedTable | None:
        if len(table.key) != 1 or dict(zip(table.columns, table.types)).get(table.key[0]) not in INTEGER_TYPES:
            return None
        key = quote(table.key[0])
        cursor.execute(f"SELECT min({key}), max({key}) FROM {table.qualified(self.schema)}")
        low, high = cursor.fetchone()
        if low is None or low < 0:
            return None
        return RangedTable(table, width=high // RANGES + 1)

    @contextmanager
    def _transaction(self, alias: str, snapshot: str | None):
        """A read-only repeatable-read transaction (in ``snapshot``, when given)."""
        connection = self.connections[alias]
        connection.autocommit = False
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        try:
            with connection.cursor() as cursor:
                if snapshot:
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                # One process per side: parallel workers would not sum faster, and would take
                # the CPU the copy and the index builds running beside it need.
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
                yield cursor
        finally:
            connection.rollback()
            connection.set_session(isolation_level="READ COMMITTED", readonly=False)
            connection.autocommit = True

    def _current(self, alias: str) -> dict[str, object]:
        """Every table's sums now: ranges unchanged since the baseline keep their sums."""
        baseline = self.baselines[alias]
        ranged = {ranged.table.name: ranged for ranged in self.ranged}
        found: dict[str, object] = {}
        with self.connections[alias].cursor() as cursor:
            for table in self.tables:
                if table.name in ranged:
                    found[table.name] = self._ranges_now(cursor, ranged[table.name], baseline)
                else:
                    found[table.name] = table_sum(cursor, self.schema, table)
        return found

    def _ranges_now(self, cursor, ranged: RangedTable, baseline: Baseline) -> Sums:
        before = baseline.sums[ranged.table.name]
        cursor.execute(
            f"SELECT {ranged.range_of_row}, count(*), count(*) FILTER (WHERE age(xmin) <= age(%s::text::xid)) "
            f"FROM {ranged.table.qualified(self.schema)} GROUP BY 1", [str(baseline.horizon)])
        counts = {int(n): (int(rows), int(newer)) for n, rows, newer in cursor.fetchall()}
        changed = [n for n, (rows, newer) in counts.items() if newer or before.get(n, (0, 0))[0] != rows]
        if len(changed) > RESUM_ALL:
            cursor.execute(ranged.sums_sql(self.schema))
            return _as_sums(cursor.fetchall())
        sums = {n: before[n] for n in counts if n in before}  # ranges now empty are gone
        if changed:
            cursor.execute(ranged.sums_sql(self.schema, "WHERE " + ranged.ranges_condition(changed)))
            sums.update(_as_sums(cursor.fetchall()))
        return sums
