"""Database time and query count per request, through Django's ``execute_wrapper`` hook.

The wrapper is put on each connection object when it first connects (``connection_created``:
nothing to do per request) and adds to the current request's ``DatabaseWork``; outside a
request it does nothing but call on.
"""

from __future__ import annotations

import time

from observability.request_context import database_work


def _timed(execute, sql, params, many, context):
    work = database_work.get()
    if work is None:
        return execute(sql, params, many, context)
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        work.seconds += time.perf_counter() - started
        work.queries += 1


def connection_created(sender, connection, **kwargs) -> None:
    """On each new database connection: time its statements (once per connection object)."""
    if _timed not in connection.execute_wrappers:
        connection.execute_wrappers.append(_timed)
