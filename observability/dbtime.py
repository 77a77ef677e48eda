"""Database time and query count per request, through Django's ``execute_wrapper`` hook.

The wrapper is installed once on each connection object (they live per thread and alias) and
adds to the current request's ``DatabaseWork``; outside a request it does nothing but call on.
"""

from __future__ import annotations

import time

from django.db import connections

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


def install_on_connections() -> None:
    """Put the timer on this thread's connection objects that lack it (cheap when all have it)."""
    for connection in connections.all(initialized_only=False):
        if _timed not in connection.execute_wrappers:
            connection.execute_wrappers.append(_timed)
