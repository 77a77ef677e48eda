"""An online move's bulk copy: the rows as of a replication slot's snapshot, streamed across.

A logical replication slot created with an exported snapshot marks the point the stream of
changes starts from; the rows as of that snapshot are copied here, table by table, from a
``COPY ... TO STDOUT`` on the source straight into a ``COPY ... FROM STDIN`` on the destination
(binary format, through a bounded in-memory relay, without touching disk), and a subscription
then starts on that slot without a copy of its own. Faster than the subscription's own table
copy: binary, frozen on arrival (``COPY ... FREEZE`` after a ``TRUNCATE`` in the same
transaction), with the destination's foreign-key triggers off (``session_replication_role``:
the rows come from a database that enforced them), and without indexes the caller set aside.
"""

from __future__ import annotations

import queue
import threading
from contextlib import contextmanager

from psycopg2.extras import LogicalReplicationConnection

from mobility.bundle import CHUNK  # bytes the relay hands over at a time, as the export reads them
from mobility.schemas import Progress, no_progress, raw_connection
from mobility.tables import Table, quote

DEPTH = 8  # chunks the relay holds at most


class CopyAbandoned(Exception):
    """The receiving side stopped: the sending COPY ends too."""


class Relay:
    """A file-like pipe between a COPY out (``write``) and a COPY in (``read``) in two threads."""

    def __init__(self):
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=DEPTH)
        self._buffer = bytearray()
        self._pending = memoryview(b"")
        self._ended = False
        self.abandoned = threading.Event()

    def write(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self._put(bytes(self._buffer))
            self._buffer.clear()

    def close(self) -> None:
        """No more rows (also after a failure: the reader then sees the end)."""
        if self._buffer:
            self._put(bytes(self._buffer))
            self._buffer.clear()
        self._put(None)

    def _put(self, chunk: bytes | None) -> None:
        while not self.abandoned.is_set():
            try:
                self._chunks.put(chunk, timeout=0.1)
                return
            except queue.Full:
                continue
        raise CopyAbandoned()

    def read(self, size: int = -1) -> bytes:
        if not self._pending:
            if self._ended:
                return b""
            chunk = self._chunks.get()
            if chunk is None:
                self._ended = True
                return b""
            self._pending = memoryview(chunk)
        size = len(self._pending) if size is None or size < 0 else size
        data, self._pending = self._pending[:size], self._pending[size:]
        return bytes(data)


@contextmanager
def exported_snapshot(alias: str, slot: str, *, application_name: str):
    """Create the logical slot ``slot`` (pgoutput) on ``alias``; yield its snapshot's name,
    which other connections can use until the block ends."""
    with raw_connection(alias, application_name=application_name,
                        connection_factory=LogicalReplicationConnection) as connection:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE_REPLICATION_SLOT {quote(slot)} LOGICAL pgoutput (SNAPSHOT 'export')")
            _slot, _lsn, snapshot, _plugin = cursor.fetchone()
            yield snapshot


def snapshot_begin(connection, snapshot: str) -> None:
    """Start a transaction of ``connection`` that sees exactly ``snapshot``."""
    connection.autocommit = False
    connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])


def tables_copy(*, source, destination, schema: str, tables: list[Table],
                progress: Progress = no_progress) -> None:
    """Copy ``tables`` from the ``source`` connection (in its snapshot's transaction) into the
    same, empty tables of ``destination``, in one transaction of the destination."""
    destination.autocommit = False
    with destination.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        if tables:  # FREEZE needs the tables emptied in its own transaction
            cursor.execute("TRUNCATE " + ", ".join(table.qualified(schema) for table in tables))
    for number, table in enumerate(tables):
        progress(number, len(tables), f"copying {table.name}")
        columns = f"{table.qualified(schema)} ({table.column_list()})"
        _stream(source, destination, f"COPY {columns} TO STDOUT (FORMAT binary)",
                f"COPY {columns} FROM STDIN (FORMAT binary, FREEZE)")
    destination.commit()
    progress(len(tables), len(tables), "copied")


def _stream(source, destination, copy_out: str, copy_in: str) -> None:
    relay, failures = Relay(), []

    def send() -> None:
        try:
            with source.cursor() as cursor:
                cursor.copy_expert(copy_out, relay)
        except CopyAbandoned:  # the receiving side failed: its error is the one to report
            pass
        except BaseException as error:  # reported by the receiving thread
            failures.append(error)
        finally:
            try:
                relay.close()
            except CopyAbandoned:
                pass

    sender = threading.Thread(target=send, name="move-copy-out", daemon=True)
    sender.start()
    received = None
    try:
        with destination.cursor() as cursor:
            cursor.copy_expert(copy_in, relay, size=CHUNK)
    except Exception as error:  # the sender's failure, if any, is the cause to report
        received = error
    finally:
        relay.abandoned.set()
        sender.join()
    if failures or received:
        raise failures[0] if failures else received
