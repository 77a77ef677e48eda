"""Moving a tenant to another database alias (another PostgreSQL server, typically).

Online when the source can do logical replication (``wal_level = logical``): the tenant's
tables are published on the source, a replication slot marks where the stream of changes
starts, the rows as of that point are copied across (``mobility.snapshot_copy``, large tables'
secondary indexes built after), and a subscription on the destination then applies every
change made since, while the tenant keeps serving. Frozen otherwise: the tenant turns
read-only (reads served, writes answered "briefly read-only") while it is copied.

Either way the cut-over is the same: read-only, source tables locked (in-flight writers
finish, new ones wait), destination caught up, every table's rows and checksum compared on
both sides, sequences advanced, the registry flipped, every process told (the destination's
tables analyzed meanwhile), and the source schema renamed (``moved_<slug>_<time>``) so that
a worker that has not heard yet fails closed instead of writing where nobody reads. An
online move knows the destination has caught up when a marker row it writes on the source
after the lock (in ``tenantry_moves.<schema>``, published with the tenant's tables)
arrives: changes are applied in the order they were committed. It verifies most of every
large table before the freeze and only what changed since under the lock
(``mobility.verification``). Killed at any step before the flip, the tenant is still
served, whole, from the source (``--abort`` ends a stuck read-only state; running the move
again starts afresh). The renamed source is kept for ``TENANT_MOVE_RETENTION_DAYS`` or
until ``tenants move --cleanup``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

from audit.services import Actions
from mobility.bundle import BundleReader, BundleWriter, Manifest
from mobility.schemas import (Progress, applied_migrations, no_progress, raw_connection,
                              schema_build, schema_drop, schema_write)
from mobility.services import _event
from mobility.indexes import indexes_rebuild, indexes_set_aside
from mobility.snapshot_copy import exported_snapshot, snapshot_begin, tables_copy
from mobility.tables import quote, schema_tables
from mobility.verification import Verifier
from tenancy.schema_names import check_schema_name
from tenants import services as registry
from tenants.models import Tenant
from tenants.placement import check_tenant_database_alias, tenant_database_aliases

logger = logging.getLogger(__name__)

MOVED_PREFIX = "moved_"
MARKERS = "tenantry_moves"  # the schema of the online moves' marker tables
CATCH_UP_TIMEOUT = 30


@dataclass(frozen=True)
class MoveResult:
    tenant: Tenant
    source: str
    destination: str
    online: bool
    read_only_seconds: float  # how long writes were refused
    kept_as: str  # the source schema's name until cleanup
    phases: dict[str, float] = field(default_factory=dict)  # seconds each step took
    seconds: float = 0.0  # the whole move, from its checks to the audit record

    def as_dict(self) -> dict:
        """What the command's ``--json`` and the operation's result report."""
        return {"from": self.source, "to": self.destination, "online": self.online,
                "writes_refused_seconds": round(self.read_only_seconds, 3),
                "source_kept_as": self.kept_as, "phases": self.phases,
                "seconds": round(self.seconds, 3)}


def replication_name(schema: str) -> str:
    return f"tenantry_move_{schema}"[:63]


def marker_table(schema: str) -> str:
    return f"{quote(MARKERS)}.{quote(schema)}"


def move_connection(alias: str, schema: str, *, autocommit: bool = False):
    """A connection named after the move of ``schema``: a later run of the same move finds
    (and ends) what a killed one left running, and leaves other tenants' moves alone."""
    return raw_connection(alias, autocommit=autocommit, application_name=replication_name(schema))


def moved_schema_name(tenant: Tenant) -> str:
    return f"{MOVED_PREFIX}{tenant.slug.replace('-', '_')}_{int(time.time())}"


def wal_level(alias: str) -> str:
    with raw_connection(alias) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW wal_level")
        return cursor.fetchone()[0]


def conninfo(alias: str) -> str:
    """How the destination server reaches the source's directly (a subscription's CONNECTION)."""
    params = connections[alias].get_connection_params()
    parts = {"host": params.get("host") or "127.0.0.1", "port": params.get("port") or 5432,
             "dbname": params["dbname"], "user": params.get("user"), "password": params.get("password")}
    return " ".join(f"{key}='{str(value)}'" for key, value in parts.items() if value)


@contextmanager
def move_lock(tenant: Tenant):
    """Held while ``tenant`` is being moved (or its dead move abandoned): a second move of it
    is refused instead of tearing down the first's replication. A transaction-level advisory
    lock on the registry's database, so it holds behind a transaction pooler too, and is
    gone with the process that held it."""
    with raw_connection(settings.TENANT_DB_ALIAS, application_name="tenantry_move_lock") as connection, \
            connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext('tenantry.move'), %s)", [tenant.pk])
        if not cursor.fetchone()[0]:
            raise ValidationError(f"Tenant {tenant.slug} is being moved by another process; "
                                  "wait for it to finish.", code="busy")
        yield


def tenant_move(*, tenant: Tenant, to: str, progress: Progress = no_progress,
                online: bool | None = None) -> MoveResult:
    """Move ``tenant`` to alias ``to``; ``online=None`` chooses by the source's wal_level."""
    with move_lock(tenant):
        return _tenant_move(tenant=tenant, to=to, progress=progress, online=online)


def _tenant_move(*, tenant: Tenant, to: str, progress: Progress, online: bool | None) -> MoveResult:
    started = time.monotonic()
    check_tenant_database_alias(to)
    source = tenant.database_alias
    if to == source:
        raise ValidationError(f"Tenant {tenant.slug} already lives on {to}.", code="same")
    if tenant.status not in (Tenant.Status.ACTIVE, Tenant.Status.MOVING):
        raise ValidationError(f"Tenant {tenant.slug} is {tenant.status}: only an active tenant moves.",
                              code="status")
    _leftovers_drop(tenant=tenant, destination=to)
    if online is None:
        online = wal_level(source) == "logical"
    elif online and wal_level(source) != "logical":
        raise ValidationError(f"{source} has wal_level={wal_level(source)}: an online move needs "
                              "wal_level=logical there.", code="wal_level")
    logger.info("moving tenant %s from %s to %s (%s)", tenant.slug, source, to,
                "online" if online else "frozen")
    try:
        mover = _OnlineMove if online else _FrozenMove
        result = mover(tenant=tenant, source=source, destination=to, progress=progress).run()
    except BaseException as error:
        _move_failed(tenant=tenant, source=source, destination=to, error=error)
        raise
    _event(Actions.TENANT_MOVED, f"{tenant.slug} from {source} to {to} "
                                 f"({'online' if online else 'frozen'}, writes refused "
                                 f"{result.read_only_seconds:.2f} s)")
    return dataclasses.replace(result, seconds=time.monotonic() - started)


def tenant_move_abort(*, tenant: Tenant) -> None:
    """End a move that died: drop what it left on the destination, serve writes again."""
    if tenant.status != Tenant.Status.MOVING:
        raise ValidationError(f"Tenant {tenant.slug} is not being moved.", code="status")
    with move_lock(tenant):  # refused while the move is still alive
        for alias in tenant_database_aliases():
            if alias != tenant.database_alias:
                _leftovers_drop(tenant=tenant, destination=alias)
        registry.tenant_update_placement(tenant=tenant, status=Tenant.Status.ACTIVE)


def _move_failed(*, tenant: Tenant, source: str, destination: str, error: BaseException) -> None:
    """Back to serving from the source, whole; the destination's half-copy dropped."""
    try:
        current = Tenant.objects.get(pk=tenant.pk)
        if current.database_alias == source:
            _leftovers_drop(tenant=current, destination=destination)
            if current.status == Tenant.Status.MOVING:
                registry.tenant_update_placement(tenant=current, status=Tenant.Status.ACTIVE)
        _event(Actions.TENANT_MOVE_FAILED, f"{tenant.slug} to {destination}: {error}"[:200])
    except Exception:  # the original error is the one to report
        logger.exception("clean-up after the failed move of %s", tenant.slug)


def _leftovers_drop(*, tenant: Tenant, destination: str) -> None:
    """What an earlier, interrupted move of this tenant may have left behind."""
    _replication_drop(source=tenant.database_alias, destination=destination, schema=tenant.schema_name)
    if tenant.database_alias != destination:
        schema_drop(schema=tenant.schema_name, alias=destination)


def _replication_drop(*, source: str, destination: str, schema: str) -> None:
    """The move's subscription (destination), its slot and its publication (source).

    A killed run may have left statements running on either server (a CREATE SUBSCRIPTION
    finishing after its client died): those are ended first, so nothing comes back behind us.
    """
    name = replication_name(schema)
    for alias in (destination, source):
        with move_connection(alias, schema, autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                           "application_name = %s AND pid <> pg_backend_pid() AND datname = current_database()",
                           [name])
    with move_connection(destination, schema, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_subscription WHERE subname = %s", [name])
        if cursor.fetchone():
            try:
                cursor.execute(f"DROP SUBSCRIPTION {quote(name)}")  # drops its slot on the source
            except psycopg2.Error:  # the source is unreachable: forget the slot here, drop it below
                cursor.execute(f"ALTER SUBSCRIPTION {quote(name)} DISABLE")
                cursor.execute(f"ALTER SUBSCRIPTION {quote(name)} SET (slot_name = NONE)")
                cursor.execute(f"DROP SUBSCRIPTION {quote(name)}")
        cursor.execute(f"DROP TABLE IF EXISTS {marker_table(schema)}")
    with move_connection(source, schema, autocommit=True) as connection, connection.cursor() as cursor:
        cursor.execute(f"DROP PUBLICATION IF EXISTS {quote(name)}")
        cursor.execute(f"DROP TABLE IF EXISTS {marker_table(schema)}")
        deadline = time.monotonic() + 10
        while True:  # a walsender still streaming to a subscription that is gone: end it
            cursor.execute("SELECT active_pid FROM pg_replication_slots WHERE slot_name = %s", [name])
            row = cursor.fetchone()
            if row is None:
                break
            if row[0] is None:
                cursor.execute("SELECT pg_drop_replication_slot(%s)", [name])
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"replication slot {name} stays in use by process {row[0]}")
            cursor.execute("SELECT pg_terminate_backend(%s)", [row[0]])
            time.sleep(0.1)


class _Move:
    def __init__(self, *, tenant: Tenant, source: str, destination: str, progress: Progress):
        self.tenant, self.source, self.destination = tenant, source, destination
        self.schema = tenant.schema_name
        self.progress = progress
        self.frozen_at: float | None = None
        self.phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str):
        """Time a step: kept in the result, and a plain line in the log."""
        started = time.monotonic()
        yield
        self.phases[name] = round(time.monotonic() - started, 3)
        logger.info("move of %s: %s took %.3f s", self.tenant.slug, name, self.phases[name])

    def freeze(self) -> None:
        """Read-only in every worker: they refuse writes once they hear of it."""
        with self.phase("freeze"):
            registry.tenant_update_placement(tenant=self.tenant, status=Tenant.Status.MOVING)
            self.frozen_at = time.monotonic()
            time.sleep(settings.TENANT_HOSTS_CHECK_INTERVAL + 0.05)

    def verify(self, lock_connection) -> None:
        """With the source locked and the destination complete: raise if they differ."""
        raise NotImplementedError

    def cut_over(self, lock_connection) -> MoveResult:
        """With the source locked and the destination complete: verify, flip, fence the source."""
        self.progress(0, 1, "verifying every table on both sides")
        with self.phase("verify"):
            self.verify(lock_connection)
        with self.phase("flip"):
            self._sequences_copy(lock_connection)
            registry.tenant_update_placement(tenant=self.tenant, database_alias=self.destination,
                                             status=Tenant.Status.ACTIVE)
        read_only = time.monotonic() - self.frozen_at
        kept_as = moved_schema_name(self.tenant)
        with self.phase("fence"):
            # Workers that have not heard yet still refuse writes and read the (locked, complete)
            # source: give them the moment they need to hear before the source goes away, and
            # meanwhile give the destination's planner the statistics of the rows it now serves.
            heard_by = time.monotonic() + settings.TENANT_HOSTS_CHECK_INTERVAL + 0.1
            self._destination_analyze()
            time.sleep(max(0.0, heard_by - time.monotonic()))
            with lock_connection.cursor() as cursor:
                # Writers that queued behind the lock would write into the old tables: end them.
                cursor.execute(
                    "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE NOT l.granted AND c.relnamespace = %s::regnamespace", [quote(self.schema)])
                cursor.execute(f"ALTER SCHEMA {quote(self.schema)} RENAME TO {quote(kept_as)}")
            lock_connection.commit()
        self.progress(1, 1, f"moved; the source is kept as {kept_as}")
        return MoveResult(tenant=self.tenant, source=self.source, destination=self.destination,
                          online=isinstance(self, _OnlineMove), read_only_seconds=read_only,
                          kept_as=kept_as, phases=self.phases)

    def lock_source(self, connection) -> None:
        with self.phase("lock"), connection.cursor() as cursor:
            tables = schema_tables(cursor, self.schema)
            cursor.execute("LOCK TABLE " + ", ".join(t.qualified(self.schema) for t in tables)
                           + " IN SHARE MODE")

    def _destination_analyze(self) -> None:
        """``ANALYZE`` the tenant's tables on the destination: copied rows come without the
        planner's statistics, which autovacuum would only gather a minute or so later. The
        tenant is served from there already, so a failure is logged, not raised."""
        try:
            with move_connection(self.destination, self.schema, autocommit=True) as connection, \
                    connection.cursor() as cursor:
                tables = schema_tables(cursor, self.schema)
                if tables:
                    cursor.execute("ANALYZE " + ", ".join(t.qualified(self.schema) for t in tables))
        except psycopg2.Error as error:
            logger.warning("move of %s: ANALYZE on %s failed: %s", self.tenant.slug, self.destination, error)

    def _sequences_copy(self, lock_connection) -> None:
        with lock_connection.cursor() as cursor:
            cursor.execute(
                "SELECT s.relname, (pg_sequence_last_value(s.oid)) FROM pg_class s "
                "WHERE s.relkind = 'S' AND s.relnamespace = %s::regnamespace", [quote(self.schema)])
            values = [(name, value) for name, value in cursor.fetchall() if value is not None]
        with move_connection(self.destination, self.schema, autocommit=True) as connection, connection.cursor() as cursor:
            for name, value in values:
                cursor.execute("SELECT setval(%s, %s)", [f"{quote(self.schema)}.{quote(name)}", value])


class _FrozenMove(_Move):
    def run(self) -> MoveResult:
        self.freeze()
        with tempfile.TemporaryDirectory() as directory, \
                move_connection(self.source, self.schema) as lock_connection:
            path = Path(directory) / "move.tenant"
            writer = BundleWriter(path, compress=False)  # read back at once: spare the CPU
            with self.phase("copy out"):
                migrations, tables = schema_write(connection=lock_connection, schema=self.schema,
                                                  writer=writer, progress=self.progress, lock=True)
                writer.finish(Manifest(tenant={"slug": self.tenant.slug}, migrations=migrations,
                                       tables=tables, exported_at=timezone.now().isoformat(),
                                       tenantry_version=""))
            reader = BundleReader(path)
            try:
                with self.phase("copy in"):
                    schema_build(reader=reader, schema=self.schema, alias=self.destination,
                                 progress=self.progress)
            finally:
                reader.close()
            # Still in the locked snapshot transaction: the source has not changed since.
            return self.cut_over(lock_connection)

    def verify(self, lock_connection) -> None:
        """Done already: the build compared every table with the locked snapshot's sums."""


class _OnlineMove(_Move):
    def run(self) -> MoveResult:
        name = replication_name(self.schema)
        self._marker_create(self.source)  # published with the tenant's tables
        with move_connection(self.source, self.schema, autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE PUBLICATION {quote(name)} FOR TABLE {marker_table(self.schema)}, "
                           f"TABLES IN SCHEMA {quote(self.schema)}")
        with Verifier(schema=self.schema, source=self.source, destination=self.destination,
                      connect=functools.partial(move_connection, schema=self.schema)) as self.verifier, \
                ThreadPoolExecutor(max_workers=1) as summing:
            with exported_snapshot(self.source, name, application_name=name) as snapshot:
                # The source's range sums, in the snapshot, while the destination is prepared
                # and the rows are copied.
                self.verifier.plan(snapshot)
                source_summed = summing.submit(self.verifier.baseline, self.source, snapshot)
                with self.phase("destination tables"):
                    set_aside = self._destination_prepare()
                with self.phase("copy"):
                    self._copy(snapshot)
                    source_summed.result()
            with self.phase("indexes"):
                destination_summed = summing.submit(self.verifier.baseline, self.destination)
                with move_connection(self.destination, self.schema, autocommit=True) as connection, \
                        connection.cursor() as cursor:
                    self.progress(0, 1, f"building the {len(set_aside)} indexes set aside for the copy")
                    indexes_rebuild(cursor, set_aside)
                destination_summed.result()
            self._refuse_if_different(self.verifier.differing_baselines())
            with move_connection(self.destination, self.schema, autocommit=True) as connection, connection.cursor() as cursor:
                cursor.execute(f"CREATE SUBSCRIPTION {quote(name)} CONNECTION %s PUBLICATION {quote(name)} "
                               "WITH (create_slot = false, slot_name = %s, copy_data = false)",
                               [conninfo(self.source), name])
            with self.phase("catch up before the freeze"):
                self._wait_for_catch_up()
            self.freeze()
            with move_connection(self.source, self.schema) as lock_connection:
                self.lock_source(lock_connection)
                with self.phase("catch up"):
                    self._wait_for_catch_up()
                result = self.cut_over(lock_connection)
        with self.phase("replication dropped"):
            _replication_drop(source=self.source, destination=self.destination, schema=self.schema)
        return result

    def _copy(self, snapshot: str) -> None:
        """The rows as of the slot's snapshot, copied across."""
        with move_connection(self.source, self.schema) as reading, \
                move_connection(self.destination, self.schema) as writing:
            snapshot_begin(reading, snapshot)
            tables_copy(source=reading, destination=writing, schema=self.schema,
                        tables=self.verifier.tables, progress=self.progress)

    def verify(self, lock_connection) -> None:
        self._refuse_if_different(self.verifier.differing())

    @staticmethod
    def _refuse_if_different(differing: list[str]) -> None:
        if differing:
            raise ValidationError(f"The copy differs from the source in {', '.join(differing)}; "
                                  "the tenant stays where it was.", code="verify")

    def _marker_create(self, alias: str) -> None:
        with move_connection(alias, self.schema, autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(MARKERS)}")
            cursor.execute(f"CREATE TABLE {marker_table(self.schema)} (token text PRIMARY KEY)")

    def _destination_prepare(self) -> list:
        """The empty tables (large ones without their indexes and keys, returned to be built
        after the copy, before the subscription needs them) and the marker table."""
        self._empty_copy_build()
        self._marker_create(self.destination)
        with move_connection(self.destination, self.schema, autocommit=True) as connection, \
                connection.cursor() as cursor:
            return indexes_set_aside(cursor, self.schema, sorted(self.verifier.large), keys=True)

    def _empty_copy_build(self) -> None:
        """The destination's tables, empty, at exactly the source's migration state."""
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "structure.tenant"
            writer = BundleWriter(path)
            with move_connection(self.source, self.schema) as connection, connection.cursor() as cursor:
                migrations = applied_migrations(cursor, self.schema)
            writer.finish(Manifest(tenant={"slug": self.tenant.slug}, migrations=migrations, tables={},
                                   exported_at=timezone.now().isoformat(), tenantry_version=""))
            reader = BundleReader(path)
            try:
                schema_build(reader=reader, schema=self.schema, alias=self.destination,
                             with_rows=False)
            finally:
                reader.close()

    def _wait_for_catch_up(self) -> None:
        """Until every change committed on the source so far is on the destination: a marker
        row written now arrives after them (changes are applied in the order of their commits)."""
        token = uuid.uuid4().hex
        with move_connection(self.source, self.schema, autocommit=True) as connection, connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = on")  # its WAL is sent at once, not at the next flush
            cursor.execute(f"INSERT INTO {marker_table(self.schema)} (token) VALUES (%s)", [token])
        deadline = time.monotonic() + CATCH_UP_TIMEOUT
        with move_connection(self.destination, self.schema, autocommit=True) as connection, connection.cursor() as cursor:
            while True:
                cursor.execute(f"SELECT 1 FROM {marker_table(self.schema)} WHERE token = %s", [token])
                if cursor.fetchone():
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError("the destination did not catch up with the source in "
                                       f"{CATCH_UP_TIMEOUT} s")
                time.sleep(0.005)


def moved_schemas(*, older_than_days: float | None = None) -> list[tuple[str, str]]:
    """(alias, schema) of sources kept after moves (only those past the age, when given), and
    of tenant schemas left on an alias their tenant no longer lives on (a move that stopped
    between its flip and its rename)."""
    found = []
    cutoff = None if older_than_days is None else time.time() - older_than_days * 86400
    homes = dict(Tenant.objects.values_list("schema_name", "database_alias"))
    for alias in tenant_database_aliases():
        with raw_connection(alias) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'moved\\_%%' "
                           "OR nspname LIKE 'tenant\\_%%'")
            for (schema,) in cursor.fetchall():
                if schema.startswith(MOVED_PREFIX):
                    stamp = schema.rsplit("_", 1)[-1]
                    if cutoff is None or (stamp.isdigit() and int(stamp) < cutoff):
                        found.append((alias, schema))
                elif homes.get(schema, alias) != alias:
                    found.append((alias, schema))
    return found


def moved_schemas_drop(*, older_than_days: float | None = None) -> list[tuple[str, str]]:
    doomed = moved_schemas(older_than_days=older_than_days)
    for alias, schema in doomed:
        check_schema_name(schema)
        schema_drop(schema=schema, alias=alias)
        logger.info("dropped %s on %s, kept since a move", schema, alias)
    return doomed
