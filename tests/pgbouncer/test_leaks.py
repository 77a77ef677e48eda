"""The leak test: gunicorn (3 workers x 4 threads) behind pgbouncer in transaction mode with a
pool of 2 server connections per database, 3 tenants (one on the dedicated database), 12
concurrent clients, 3,000 requests of reads, admin changelists and admin writes.

``TENANTRY_PROOF_FIX_OFF=1`` runs the same test with plain django-tenants' session-level
``SET search_path`` (tests/pgbouncer/unsafe_backend): it fails, which is the point; and
test_leaks_fix_off.py shows on every run that this harness catches that.
"""

import os

import pytest

from careers.models import Job
from tenancy import context
from tests.pgbouncer.fixtures import STAFF_PASSWORD, server_environment
from tests.pgbouncer.load import run_load

pytestmark = [pytest.mark.live, pytest.mark.django_db(databases="__all__")]

SAFE_SETTINGS = "settings.test"
FIX_OFF_SETTINGS = "tests.pgbouncer.unsafe_settings"


def test_no_response_shows_another_tenants_data_behind_pgbouncer(pgbouncer, live_tenants, gunicorn_factory):
    fix_off = os.environ.get("TENANTRY_PROOF_FIX_OFF") == "1"
    # Django's connections to pgbouncer outlive the run (at the default 60 s, a run that slow
    # closes them as it ends), so the pools counted after it still hold every client.
    environment = {**server_environment(pgbouncer, FIX_OFF_SETTINGS if fix_off else SAFE_SETTINGS),
                   "CONN_MAX_AGE": "600"}
    server = gunicorn_factory(env=environment, workers=3, threads=4)

    report = run_load(port=server.port, tenants=live_tenants, password=STAFF_PASSWORD,
                      clients=12, requests=3000)

    print(f"\nleak test ({'fix OFF' if fix_off else 'Tenantry backend'}): {report.summary()}")
    assert report.requests >= 3000
    assert not report.leaks, f"{len(report.leaks)} responses with another tenant's data: {report.leaks[:5]}"
    assert not report.server_errors, f"{len(report.server_errors)} 5xx: {report.server_errors[:5]}"
    assert not report.wrong, f"{len(report.wrong)} responses without their own data: {report.wrong[:5]}"
    assert report.kinds["admin-jobs"] > 300 and report.kinds["jobs"] > 300
    assert sum(report.writes.values()) > 100
    for live in live_tenants:  # every write landed in its own tenant's schema, none elsewhere
        with context.activated(context.scope_for_tenant(live.tenant)):
            titles = list(Job.objects.values_list("title", flat=True))
        assert all(live.marker in title for title in titles)
        assert sum("written" in title for title in titles) == report.writes[live.tenant.slug]
    # pgbouncer really multiplexed: more clients than the 2 server connections of each pool.
    pools = {pool["database"]: pool for pool in pgbouncer.show("POOLS")}
    for alias in {live.alias for live in live_tenants}:
        from django.db import connections

        pool = pools[connections[alias].settings_dict["NAME"]]
        assert pool["pool_mode"] == "transaction"
        assert pool["sv_active"] + pool["sv_idle"] + pool["sv_used"] + pool["sv_tested"] <= 2
        assert pool["cl_active"] + pool["cl_waiting"] > 2, (alias, pool)
