"""Benchmark: a tenant of N application rows moved online between two PostgreSQL servers under a
steady write load, side by side with ``pg_dump | pg_restore`` of the same schema between the
same servers (the physical limit of a copy); and ``tenants export``/``import`` of that tenant
against ``pg_dump``/``pg_restore`` of its schema.

    .venv/bin/python bench/move.py --rows 1000000      # default 100000 for a quick run

Starts its own two PostgreSQL 15 servers (the source with wal_level=logical), a fresh registry
on 127.0.0.1:5432 (tenantry_bench_move*), MariaDB and Redis as the tests do, and gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

import django  # noqa: E402

django.setup()

from tests.mobility.live import BASE_DOMAIN, MOVER, Load, Platform  # noqa: E402
from tests.placement.test_fresh_databases import FreshDatabases  # noqa: E402
from tests.servers import POSTGRES_BIN, gunicorn_start, postgres_start  # noqa: E402

POPULATE = f"""
from careers.models import Application, Job
from tenancy import context
from tenants.models import Tenant
with context.activated(context.scope_for_tenant(Tenant.objects.get(slug="{MOVER}"))):
    job = Job.objects.create(title="Bench engineer", description="x", status="open",
                             department="Eng", location="Remote")
    Application.objects.create(job=job, name="Seed", email="seed@example.com",
                                cover_letter="A seeded application for the benchmark.",
                                cv_url="https://cv.example.com/seed")
    print("JOB", "{MOVER}", job.pk)
"""


def timed(function) -> tuple[float, object]:
    started = time.monotonic()
    result = function()
    return time.monotonic() - started, result


def seed(server, rows: int) -> None:
    """N applications from the one the shell made, in one INSERT ... SELECT."""
    server.execute(f"""
        INSERT INTO tenant_{MOVER}.careers_application
            (job_id, name, email, phone, cover_letter, cv_url, status, submitted_at, cv_file)
        SELECT job_id, 'Candidate ' || g, 'candidate' || g || '@example.com', phone, cover_letter,
               cv_url, status, submitted_at + g * interval '1 second', ''
        FROM tenant_{MOVER}.careers_application, generate_series(1, {rows - 1}) AS g
        WHERE email = 'seed@example.com'""", database="tenantry")
    server.execute("VACUUM ANALYZE", database="tenantry")


def shell(command: str) -> None:
    subprocess.run(["bash", "-o", "pipefail", "-c", command], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pace", type=float, default=0.05,
                        help="seconds each of the 3 candidates and 2 visitors waits between requests")
    arguments = parser.parse_args()
    rows = arguments.rows

    logical, replica = postgres_start(wal_level="logical"), postgres_start(wal_level="replica")
    fresh = FreshDatabases("tenantry_bench_move")
    gunicorn = None
    try:
        for server in (logical, replica):
            server.execute("CREATE DATABASE tenantry")
            server.execute("CREATE DATABASE scratch")
        fresh.create()
        env = {**fresh.env, "BASE_DOMAIN": BASE_DOMAIN,
               "TENANT_DATABASES": f"logical={logical.url('tenantry')},replica={replica.url('tenantry')}",
               "CAREERS_APPLICATIONS_PER_IP": "100000000",
               "CAREERS_APPLICATION_ATTEMPTS_PER_IP": "100000000", "REDIS_URL": "redis://127.0.0.1:6379/11"}
        platform = Platform(env=env, servers={"logical": logical, "replica": replica})
        platform.manage("tenants", "migrate")
        platform.manage("tenants", "create", MOVER, "--name", "Mover", "--database", "logical")
        output = platform.manage("shell", "-c", POPULATE).stdout
        platform.jobs = {MOVER: int(line.split()[2]) for line in output.splitlines() if line.startswith("JOB ")}
        seeding, _ = timed(lambda: seed(logical, rows))
        print(f"seeded {rows:,} applications in {seeding:.1f} s")

        gunicorn = gunicorn_start(env=env, log=Path(tempfile.mkdtemp()) / "gunicorn.log",
                                  health_host=BASE_DOMAIN, workers=2, threads=4)
        platform.port = gunicorn.port
        with Load(platform, pace=arguments.pace) as load:
            time.sleep(2)
            move_seconds, result = timed(lambda: json.loads(
                platform.manage("tenants", "move", MOVER, "--to", "replica", "--json").stdout))
            time.sleep(2)
        loaded = move_seconds + 4
        present = platform.applications("replica")
        lost = load.acknowledged - present

        dump_restore, _ = timed(lambda: shell(
            f"{POSTGRES_BIN}/pg_dump -h 127.0.0.1 -p {replica.port} -U postgres -Fc -n tenant_{MOVER} tenantry"
            f" | {POSTGRES_BIN}/pg_restore -h 127.0.0.1 -p {logical.port} -U postgres -d scratch"))

        with tempfile.TemporaryDirectory() as directory:
            export_file, dump_file = Path(directory) / "mover.tenant", Path(directory) / "mover.dump"
            export_seconds, _ = timed(lambda: platform.manage(
                "tenants", "export", MOVER, "--output", str(export_file)))
            dump_seconds, _ = timed(lambda: shell(
                f"{POSTGRES_BIN}/pg_dump -h 127.0.0.1 -p {replica.port} -U postgres -Fc -n tenant_{MOVER} "
                f"-f {dump_file} tenantry"))
            import_seconds, _ = timed(lambda: platform.manage(
                "tenants", "import", str(export_file), "--slug", "mover-copy", "--database", "logical"))
            logical.execute("DROP SCHEMA tenant_mover CASCADE", database="scratch")
            restore_seconds, _ = timed(lambda: shell(
                f"{POSTGRES_BIN}/pg_restore -h 127.0.0.1 -p {logical.port} -U postgres -d scratch {dump_file}"))
            sizes = (export_file.stat().st_size, dump_file.stat().st_size)

        print(f"\n| measure ({rows:,} applications) | Tenantry | pg_dump/pg_restore | ratio |")
        print("|---|---|---|---|")
        print(f"| online move under write load (s) | {move_seconds:.1f} | {dump_restore:.1f} "
              f"(dump \\| restore, no load) | {move_seconds / dump_restore:.2f} |")
        print(f"| export vs pg_dump -Fc (s) | {export_seconds:.1f} | {dump_seconds:.1f} | "
              f"{export_seconds / dump_seconds:.2f} |")
        print(f"| import vs pg_restore (s) | {import_seconds:.1f} | {restore_seconds:.1f} | "
              f"{import_seconds / restore_seconds:.2f} |")
        print(f"| file size (MB) | {sizes[0] / 1e6:.1f} | {sizes[1] / 1e6:.1f} | {sizes[0] / sizes[1]:.2f} |")
        print(f"\nwrites refused (the mover's own clock): {result['writes_refused_seconds']:.3f} s; "
              f"longest run of 503 seen by one candidate: {load.longest_refusal:.3f} s; "
              f"acknowledged during the run: {len(load.acknowledged)}; lost: {len(lost)}; "
              f"5xx: {len(load.server_errors)}; other tenants' data seen: {len(load.leaks)}")
        print(f"the load: {len(load.acknowledged) / loaded:.0f} applications/s acknowledged, "
              f"{load.reads / loaded:.0f} page reads/s, pace {arguments.pace} s")
        print(f"the move itself (in the command, after Python's start): {result['seconds']:.1f} s, "
              f"{result['seconds'] / dump_restore:.2f}x dump | restore")
        print("the move's steps (s): " + ", ".join(f"{name} {seconds:.2f}"
                                                  for name, seconds in result["phases"].items()))
    finally:
        if gunicorn:
            gunicorn.stop()
        fresh.drop()
        logical.remove()
        replica.remove()


if __name__ == "__main__":
    main()
