"""Benchmark: a tenant of N application rows moved online between two PostgreSQL servers under a
steady write load, side by side with ``pg_dump | pg_restore`` of the same schema between the
same servers (the physical limit of a copy); and ``tenants export``/``import`` of that tenant
against ``pg_dump``/``pg_restore`` of its schema.

    .venv/bin/python bench/move.py --rows 1000000      # default 100000 for a quick run
    .venv/bin/python bench/move.py --rounds 5           # moves there and back (3 by default)

Starts its own two PostgreSQL 15 servers (both with wal_level=logical), a fresh registry on
127.0.0.1:5432 (tenantry_bench_move*), MariaDB and Redis as the tests do, and gunicorn. Each
round moves the tenant to the other server under a steady load, then times ``pg_dump |
pg_restore`` of its schema back the other way under the same load (the ratio's other figure:
the same machine, shared the same way, moments apart), and again with the load stopped (for
reference); the medians over the rounds are the figures to quote on a machine whose load
moves.
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
from statistics import median

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
    parser.add_argument("--rounds", type=int, default=3,
                        help="moves there and back, each beside a pg_dump | pg_restore; medians reported")
    parser.add_argument("--pace", type=float, default=0.05,
                        help="seconds each of the 3 candidates and 2 visitors waits between requests")
    arguments = parser.parse_args()
    rows = arguments.rows

    servers = {"east": postgres_start(wal_level="logical"), "west": postgres_start(wal_level="logical")}
    fresh = FreshDatabases("tenantry_bench_move")
    gunicorn = None
    try:
        for server in servers.values():
            server.execute("CREATE DATABASE tenantry")
            server.execute("CREATE DATABASE scratch")
        fresh.create()
        env = {**fresh.env, "BASE_DOMAIN": BASE_DOMAIN,
               "TENANT_DATABASES": ",".join(f"{alias}={server.url('tenantry')}" for alias, server in servers.items()),
               "CAREERS_APPLICATIONS_PER_IP": "100000000",
               "CAREERS_APPLICATION_ATTEMPTS_PER_IP": "100000000", "REDIS_URL": "redis://127.0.0.1:6379/11"}
        platform = Platform(env=env, servers=servers)
        platform.manage("tenants", "migrate")
        platform.manage("tenants", "create", MOVER, "--name", "Mover", "--database", "east")
        output = platform.manage("shell", "-c", POPULATE).stdout
        platform.jobs = {MOVER: int(line.split()[2]) for line in output.splitlines() if line.startswith("JOB ")}
        seeding, _ = timed(lambda: seed(servers["east"], rows))
        print(f"seeded {rows:,} applications in {seeding:.1f} s")

        gunicorn = gunicorn_start(env=env, log=Path(tempfile.mkdtemp()) / "gunicorn.log",
                                  health_host=BASE_DOMAIN, workers=2, threads=4)
        platform.port = gunicorn.port
        rounds = [move_round(platform, to="west" if number % 2 == 0 else "east", pace=arguments.pace)
                  for number in range(arguments.rounds)]
        home = rounds[-1]["to"]
        other = "east" if home == "west" else "west"

        with tempfile.TemporaryDirectory() as directory:
            export_file, dump_file = Path(directory) / "mover.tenant", Path(directory) / "mover.dump"
            export_seconds, _ = timed(lambda: platform.manage(
                "tenants", "export", MOVER, "--output", str(export_file)))
            dump_seconds, _ = timed(lambda: shell(f"{pg_dump(servers[home])} -f {dump_file}"))
            import_seconds, _ = timed(lambda: platform.manage(
                "tenants", "import", str(export_file), "--slug", "mover-copy", "--database", other))
            restore_seconds, _ = timed(lambda: shell(
                f"{POSTGRES_BIN}/pg_restore -h 127.0.0.1 -p {servers[other].port} -U postgres -d scratch {dump_file}"))
            sizes = (export_file.stat().st_size, dump_file.stat().st_size)

        print(f"\n| round ({rows:,} applications) | move, the command | the move itself "
              "| dump \\| restore, same load | ratio (command) | ratio (itself) "
              "| dump \\| restore, no load | ratio (command, no load) | writes refused | lost |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for number, found in enumerate(rounds, 1):
            print(f"| {number}: {found['from']} to {found['to']} | {found['seconds']:.1f} s | "
                  f"{found['itself']:.1f} s | {found['dump_restore']:.1f} s | "
                  f"{found['seconds'] / found['dump_restore']:.2f} | {found['itself'] / found['dump_restore']:.2f} | "
                  f"{found['idle_dump_restore']:.1f} s | {found['seconds'] / found['idle_dump_restore']:.2f} | "
                  f"{found['refused']:.3f} s | {found['lost']} |")
        print(f"| **median** | | | | **{median(r['seconds'] / r['dump_restore'] for r in rounds):.2f}** | "
              f"**{median(r['itself'] / r['dump_restore'] for r in rounds):.2f}** | | "
              f"**{median(r['seconds'] / r['idle_dump_restore'] for r in rounds):.2f}** | "
              f"**{median(r['refused'] for r in rounds):.3f} s** | {sum(r['lost'] for r in rounds)} |")
        print("\n| measure | Tenantry | pg_dump/pg_restore | ratio |")
        print("|---|---|---|---|")
        print(f"| export vs pg_dump -Fc (s) | {export_seconds:.1f} | {dump_seconds:.1f} | "
              f"{export_seconds / dump_seconds:.2f} |")
        print(f"| import vs pg_restore (s) | {import_seconds:.1f} | {restore_seconds:.1f} | "
              f"{import_seconds / restore_seconds:.2f} |")
        print(f"| file size (MB) | {sizes[0] / 1e6:.1f} | {sizes[1] / 1e6:.1f} | {sizes[0] / sizes[1]:.2f} |")
        for number, found in enumerate(rounds, 1):
            print(f"\nround {number}: longest run of 503 seen by one candidate {found['longest_503']:.3f} s; "
                  f"acknowledged {found['acknowledged']}; 5xx {found['server_errors']}; other tenants' data "
                  f"seen {found['leaks']}; the load {found['rate']}")
            print("  the move's steps (s): " + ", ".join(f"{name} {seconds:.2f}"
                                                       for name, seconds in found["phases"].items()))
    finally:
        if gunicorn:
            gunicorn.stop()
        fresh.drop()
        for server in servers.values():
            server.remove()


def pg_dump(server) -> str:
    return f"{POSTGRES_BIN}/pg_dump -h 127.0.0.1 -p {server.port} -U postgres -Fc -n tenant_{MOVER} tenantry"


def move_round(platform: Platform, *, to: str, pace: float) -> dict:
    """One online move under load to ``to``; then ``pg_dump | pg_restore`` of the same schema
    from there back to the server it left, on the same servers: once under the same load
    (the same machine, shared the same way), once with the load stopped."""
    source = "east" if to == "west" else "west"

    def dump_restore() -> float:
        seconds, _ = timed(lambda: shell(
            f"{pg_dump(platform.servers[to])} | {POSTGRES_BIN}/pg_restore -h 127.0.0.1 "
            f"-p {platform.servers[source].port} -U postgres -d scratch"))
        platform.servers[source].execute(f"DROP SCHEMA tenant_{MOVER} CASCADE", database="scratch")
        return seconds

    with Load(platform, pace=pace) as load:
        loaded_from = time.monotonic()
        time.sleep(2)
        seconds, result = timed(lambda: json.loads(
            platform.manage("tenants", "move", MOVER, "--to", to, "--json").stdout))
        time.sleep(2)
        loaded_dump_restore = dump_restore()
        loaded = time.monotonic() - loaded_from
    assert result["online"], result
    lost = load.acknowledged - platform.applications(to)
    platform.manage("tenants", "move", "--cleanup")
    return {"from": source, "to": to, "seconds": seconds, "itself": result["seconds"],
            "dump_restore": loaded_dump_restore, "idle_dump_restore": dump_restore(),
            "refused": result["writes_refused_seconds"], "lost": len(lost),
            "phases": result["phases"], "longest_503": load.longest_refusal,
            "acknowledged": len(load.acknowledged), "server_errors": len(load.server_errors),
            "leaks": len(load.leaks),
            "rate": f"{len(load.acknowledged) / loaded:.0f} applications/s, {load.reads / loaded:.0f} reads/s"}


if __name__ == "__main__":
    main()
