"""Through pgbouncer in transaction mode (2 server connections per database), a tenant's plan's
``statement_timeout`` holds for each statement of its requests and for nothing else: a slow
statement is cancelled at its plan's timeout, another plan's tenant gets its own, and the same
server connections carry no timeout for work outside requests or for another client.
"""

from __future__ import annotations

import copy
import threading
import time

import psycopg2
import pytest
from django.conf import settings
from django.db import OperationalError, connections
from psycopg2 import errors as pg_errors

from tenancy import context, limits
from tests.pgbouncer.test_transactions import through_pgbouncer

pytestmark = [pytest.mark.live, pytest.mark.django_db(databases="__all__")]


@pytest.fixture
def plans(settings):
    settings.TENANT_PLAN_LIMITS = {
        plan: {"requests_per_second": 0, "burst": 0, "statement_timeout_ms": timeout,
               "staff_users": None, "open_jobs": None}
        for plan, timeout in (("free", 300), ("team", 1000), ("enterprise", 5000))
    }


def timeout_shown(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def requests_through_pgbouncer(bouncer, free, enterprise) -> dict:
    """What each tenant's statements met, on a thread whose connections go through ``bouncer``."""
    seen = {}
    with through_pgbouncer(bouncer):
        connection = connections[settings.TENANT_DB_ALIAS]
        with limits.statement_limits():
            with context.activated(context.scope_for_tenant(free)):
                started = time.monotonic()
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(2)")
                except OperationalError as error:
                    seen["free slow"] = (type(error.__cause__), time.monotonic() - started)
                seen["free"] = [timeout_shown(connection) for _ in range(4)]
            with context.activated(context.scope_for_tenant(enterprise)):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_sleep(0.5)")  # over free's 300 ms, under its 5 s
                seen["enterprise"] = [timeout_shown(connection) for _ in range(4)]
        # The same pooled server connections, for work outside a request.
        with context.activated(context.scope_for_tenant(free)):
            seen["free outside a request"] = [timeout_shown(connection) for _ in range(4)]
        seen["public"] = timeout_shown(connection)
    return seen


def test_each_statement_runs_under_its_own_plans_timeout_and_leaves_none_behind(
        pgbouncer, live_tenants, plans):
    free = live_tenants[0].tenant  # the default plan
    assert free.plan == "free"
    enterprise = copy.copy(live_tenants[1].tenant)
    enterprise.plan = "enterprise"
    results = []
    thread = threading.Thread(target=lambda: results.append(
        requests_through_pgbouncer(pgbouncer, free, enterprise)))
    thread.start()
    thread.join()
    (seen,) = results
    cause, seconds = seen["free slow"]
    assert cause is pg_errors.QueryCanceled and seconds < 1.5
    assert seen["free"] == ["300ms"] * 4
    assert seen["enterprise"] == ["5s"] * 4
    assert seen["free outside a request"] == ["0"] * 4 and seen["public"] == "0"
    # Two other clients in open transactions hold both server connections of the pool at once:
    # neither carries a timeout a tenant's statement set.
    name = connections[settings.TENANT_DB_ALIAS].settings_dict["NAME"]
    clients = [psycopg2.connect(pgbouncer.url(name)) for _ in range(2)]
    try:
        shown = {}
        for client in clients:
            with client.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), current_setting('statement_timeout')")
                pid, timeout = cursor.fetchone()
                shown[pid] = timeout
        assert list(shown.values()) == ["0", "0"]
    finally:
        for client in clients:
            client.close()
