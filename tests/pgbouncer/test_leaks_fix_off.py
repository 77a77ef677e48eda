"""The leak test can fail: with plain django-tenants' session-level ``SET search_path`` the same
load behind pgbouncer finds other tenants' data or errors. Its own tenants (this module) and its
own pgbouncer, so the state plain django-tenants leaves behind reaches no other test."""

import pytest

from tests.pgbouncer.fixtures import STAFF_PASSWORD, server_environment
from tests.pgbouncer.load import run_load
from tests.servers import pgbouncer_start
from tests.pgbouncer.test_leaks import FIX_OFF_SETTINGS

pytestmark = [pytest.mark.live, pytest.mark.django_db(databases="__all__")]


def test_the_same_load_leaks_with_plain_django_tenants(live_tenants, gunicorn_factory):
    bouncer = pgbouncer_start(default_pool_size=2,
                              reserve_pool_size=0, max_db_connections=2)
    try:
        server = gunicorn_factory(env=server_environment(bouncer, FIX_OFF_SETTINGS), workers=3, threads=4)
        report = run_load(port=server.port, tenants=live_tenants, password=STAFF_PASSWORD,
                          clients=12, requests=600)
        server.stop()
    finally:
        bouncer.stop()

    print(f"\nleak test, fix OFF: {report.summary()}")
    assert report.leaks or report.server_errors or report.wrong
