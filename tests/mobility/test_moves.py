"""Moving a live tenant between PostgreSQL servers under load: online, frozen, and killed.

Two servers of the test's own stand for other machines: one with ``wal_level=logical`` (an
online move from it), one with ``wal_level=replica`` (a frozen move from it). The registry
lives in a fresh primary database; gunicorn serves it all, as deployed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.mobility.live import BASE_DOMAIN, BYSTANDER, MOVER, Load, Platform
from tests.pgbouncer.load import Browser, form_fields
from tests.placement.test_fresh_databases import ROOT, FreshDatabases
from tests.servers import gunicorn_start, postgres_start

pytestmark = pytest.mark.live

SEEDED = 25_000  # over mobility.tables.LARGE_TABLE_ROWS: verified by key range, indexes built last
PASSWORD = "staff-password-for-tests"


CV = b"%PDF-1.4\n% moved with its tenant\n%%EOF\n"
POPULATE = f"""
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from careers.models import Application, Job
from tenancy import context
from tenants.models import Tenant
for slug in ("{MOVER}", "{BYSTANDER}"):
    with context.activated(context.scope_for_tenant(Tenant.objects.get(slug=slug))):
        get_user_model().objects.create_superuser("staff", "staff@example.com", "{PASSWORD}")
        job = Job.objects.create(title=f"Marker-{{slug}} engineer", description="x", status="open",
                                 department="Eng", location="Remote")
        if slug == "{MOVER}":
            Application.objects.bulk_create(Application(job=job, name=f"Seeded {{n}}",
                email=f"seeded{{n}}@example.com", cover_letter="Seeded for the move test.")
                for n in range({SEEDED}))
            with_cv = Application.objects.first()
            with_cv.cv_file.save("cv.pdf", ContentFile({CV!r}))
            print("CV", slug, with_cv.pk)
        print("JOB", slug, job.pk)
"""


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    logical, replica = postgres_start(wal_level="logical"), postgres_start(wal_level="replica")
    fresh = FreshDatabases(f"tenantry_move_{os.getpid()}")
    gunicorn = None
    try:
        for server in (logical, replica):
            server.execute("CREATE DATABASE tenantry")
        fresh.create()
        env = {**fresh.env, "BASE_DOMAIN": BASE_DOMAIN,
               "TENANT_DATABASES": f"dedicated={fresh.pg_url(fresh.dedicated)},"
                                   f"logical={logical.url('tenantry')},replica={replica.url('tenantry')}",
               "CAREERS_APPLICATIONS_PER_IP": "1000000", "CAREERS_APPLICATION_ATTEMPTS_PER_IP": "1000000", "REDIS_URL": "redis://127.0.0.1:6379/12"}
        found = Platform(env=env, servers={"logical": logical, "replica": replica})
        found.manage("tenants", "migrate")
        for slug in (MOVER, BYSTANDER):
            found.manage("tenants", "create", slug, "--name", slug.title(), "--database", "logical")
        output = found.manage("shell", "-c", POPULATE).stdout
        found.jobs = {slug: int(pk) for _, slug, pk in
                      (line.split() for line in output.splitlines() if line.startswith("JOB "))}
        found.cv = next(int(line.split()[2]) for line in output.splitlines() if line.startswith("CV "))
        logical.execute("ANALYZE", database="tenantry")  # row estimates, as autovacuum would leave them
        gunicorn = gunicorn_start(env=env, log=tmp_path_factory.mktemp("gunicorn") / "gunicorn.log",
                                  health_host=BASE_DOMAIN, workers=2, threads=4)
        found.port = gunicorn.port
        yield found
    finally:
        if gunicorn:
            gunicorn.stop()
        fresh.drop()
        logical.remove()
        replica.remove()


def staff_browser(platform: Platform) -> Browser:
    browser, host = Browser(platform.port), f"{MOVER}.{BASE_DOMAIN}"
    page = browser.request("GET", host, "/admin/login/?next=/admin/")
    token = form_fields(page.body, "login-form")["csrfmiddlewaretoken"]
    done = browser.request("POST", host, "/admin/login/?next=/admin/",
                           {"csrfmiddlewaretoken": token, "username": "staff", "password": PASSWORD,
                            "next": "/admin/"})
    assert done.status == 302, done.body[:500]
    assert browser.request("GET", host, "/admin/").status == 200
    return browser


def move_under_load(platform: Platform, to: str, *extra: str) -> tuple[dict, Load]:
    with Load(platform) as load:
        time.sleep(1)  # the load is flowing before the move starts
        summary = json.loads(platform.manage("tenants", "move", MOVER, "--to", to, "--json", *extra).stdout)
        time.sleep(1)  # and goes on, now against the destination
    assert not load.leaks, load.leaks[:5]
    assert not load.server_errors, load.server_errors[:5]
    assert not load.unexpected, load.unexpected[:3]
    assert load.acknowledged and load.reads
    return summary, load


def indexes(server, schema: str) -> dict[str, str]:
    return {name: definition.replace(f"{schema}.", "") for name, definition in server.execute(
        f"SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '{schema}'", database="tenantry")}


def analyzed(server, schema: str) -> set[str]:
    """Tables ``ANALYZE`` has given the planner's statistics (not autovacuum)."""
    return {name for (name,) in server.execute(
        f"SELECT relname FROM pg_stat_user_tables WHERE schemaname = '{schema}' "
        "AND last_analyze IS NOT NULL", database="tenantry")}


def test_online_then_frozen_moves_lose_no_acknowledged_write(platform):
    staff = staff_browser(platform)
    source_indexes = indexes(platform.servers["logical"], "tenant_mover")

    summary, load = move_under_load(platform, "replica")
    assert summary["online"] is True and summary["from"] == "logical"
    assert platform.placement() == ("replica", "active")
    # The large table's indexes, set aside for the copy, are all back as they were.
    assert indexes(platform.servers["replica"], "tenant_mover") == source_indexes
    assert {"copy", "indexes", "verify"} <= set(summary["phases"])
    # The copied rows come with the planner's statistics, not a minute later.
    assert "careers_application" in analyzed(platform.servers["replica"], "tenant_mover")
    assert load.acknowledged <= platform.applications("replica")  # every acknowledged write
    assert len(platform.applications("replica")) >= SEEDED + len(load.acknowledged)
    assert "tenant_mover" not in platform.schemas("logical")  # renamed: kept, not served
    assert staff.request("GET", f"{MOVER}.{BASE_DOMAIN}", "/admin/").status == 200  # same session
    cv = staff.request("GET", f"{MOVER}.{BASE_DOMAIN}", f"/staff/applications/{platform.cv}/cv/")
    assert cv.status == 200 and cv.body.encode() == CV  # its files follow it
    print(f"\nonline move: writes refused {summary['writes_refused_seconds']} s (mover), "
          f"longest run of 503 seen by a candidate {load.longest_refusal:.3f} s, "
          f"{len(load.acknowledged)} applications acknowledged during the run")

    earlier = platform.applications("replica")
    summary, load = move_under_load(platform, "logical")  # replica has no logical decoding
    assert summary["online"] is False and summary["from"] == "replica"
    assert platform.placement() == ("logical", "active")
    assert (earlier | load.acknowledged) <= platform.applications("logical")
    assert "careers_application" in analyzed(platform.servers["logical"], "tenant_mover")
    assert staff.request("GET", f"{MOVER}.{BASE_DOMAIN}", "/admin/").status == 200
    print(f"frozen move: writes refused {summary['writes_refused_seconds']} s, longest run of 503 "
          f"seen by a candidate {load.longest_refusal:.3f} s")

    platform.manage("tenants", "move", "--cleanup")
    assert not any(name.startswith("moved_") for alias in ("logical", "replica")
                   for name in platform.schemas(alias))
    assert "tenant_mover" not in platform.schemas("replica")


def test_a_move_killed_at_any_step_leaves_the_tenant_whole_in_one_place(platform):
    rng = random.Random(int(os.environ.get("TENANTRY_KILL_SEED", "1207")))
    for run in range(4):
        before, status = platform.placement()
        other = "replica" if before == "logical" else "logical"
        expected = platform.applications(before)
        process = subprocess.Popen([sys.executable, "manage.py", "tenants", "move", MOVER, "--to", other],
                                   cwd=ROOT, env=platform.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.5, 4.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

        alias, status = platform.placement()
        assert alias in (before, other)
        if status == "moving":  # it died read-only: the operator's way out
            platform.manage("tenants", "move", MOVER, "--abort")
        alias, status = platform.placement()
        assert status == "active"
        assert "tenant_mover" in platform.schemas(alias)
        assert platform.applications(alias) == expected  # whole: nothing lost, nothing added
        browser = Browser(platform.port)
        page = browser.request("GET", f"{MOVER}.{BASE_DOMAIN}", "/jobs/")
        assert page.status == 200 and f"Marker-{MOVER}" in page.body

    # A later move finishes the job from whatever was left.
    alias, _ = platform.placement()
    target = "replica" if alias == "logical" else "logical"
    platform.manage("tenants", "move", MOVER, "--to", target)
    assert platform.placement() == (target, "active")
    platform.manage("tenants", "move", "--cleanup")
    assert "tenant_mover" not in platform.schemas(alias)
