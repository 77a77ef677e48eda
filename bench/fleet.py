"""Fleet migrations at N tenants: Tenantry's ``tenants migrate`` against django-tenants'
``migrate_schemas`` (standard and multiprocessing executors) on the same schemas.

One fresh primary database with N tenants provisioned by ``tenants create``'s code (template
clone; p50 reported). The test app ``tests.fleet.fleetapp`` gets one more migration per step
(``FLEET_TEST_STAGE``), so every measurement applies exactly one migration to every schema:

    stage 1  provisioned          check and no-op migrate, both tools
    stage 2  add a nullable column        tenants migrate
    stage 3  RunPython data migration     tenants migrate (executor fallback)
    stage 4  add a nullable column        migrate_schemas --executor=standard
    stage 5  add a nullable column        migrate_schemas --executor=multiprocessing

    .venv/bin/python bench/fleet.py [--tenants 100] [--no-django-tenants]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "tenantry_bench_fleet"
AUDIT = "tenantry_bench_fleet_audit"


def env(stage: int, settings: str = "tests.fleet.settings") -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": settings, "FLEET_TEST_STAGE": str(stage),
            "DATABASE_URL": f"{PG}/{DATABASE}", "TENANT_DATABASES": "",
            "AUDIT_DATABASE_URL": f"mysql://root@127.0.0.1:3306/{AUDIT}",
            "REDIS_URL": "redis://127.0.0.1:6379/13", "BASE_DOMAIN": "tenantry.test",
            "LOG_LEVEL": "WARNING"}


def run(stage: int, *command: str, settings: str = "tests.fleet.settings",
        expect: int = 0) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO, env=env(stage, settings), capture_output=True, text=True)
    seconds = time.monotonic() - started
    if result.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-3000:]}\n"
                         f"{result.stderr[-3000:]}")
    return seconds, result.stdout


def manage(stage: int, *args: str, **kwargs) -> tuple[float, str]:
    return run(stage, sys.executable, "manage.py", *args, **kwargs)


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qAtc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


def prepare(tenants: int) -> dict:
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(["mysql", "-h", "127.0.0.1", "-uroot", "-e",
                    f"DROP DATABASE IF EXISTS {AUDIT}; CREATE DATABASE {AUDIT}"], check=True)
    manage(1, "tenants", "migrate")
    _, out = run(1, sys.executable, "-m", "tests.fleet.tasks", "provision", "--count", str(tenants),
                 "--dedicated-every", "0")
    return json.loads(out.strip().splitlines()[-1])


def ours(stage: int, *args: str, expect: int = 0) -> tuple[float, float]:
    """Wall time of the command (Django start-up included) and the time it reports itself."""
    wall, out = manage(stage, "tenants", "migrate", "--json", *args, expect=expect)
    return wall, json.loads(out)["seconds"]


def theirs(stage: int, executor: str) -> float:
    wall, _ = manage(stage, "migrate_schemas", f"--executor={executor}", "-v", "0",
                     settings="bench.fleet_django_tenants")
    return wall


def catalog() -> dict:
    row = psql("SELECT count(*), pg_size_pretty(sum(pg_total_relation_size(c.oid))), "
               "pg_size_pretty(pg_database_size(current_database())) FROM pg_class c "
               "WHERE c.relnamespace = 'pg_catalog'::regnamespace", DATABASE)
    relations = psql("SELECT count(*) FROM pg_class", DATABASE)
    count, size, database = row.split("|")
    return {"pg_catalog_size": size, "relations": int(relations), "database_size": database}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--no-django-tenants", action="store_true")
    args = parser.parse_args()
    print(f"== fleet migrations at {args.tenants} tenants ==", flush=True)
    provisioned = prepare(args.tenants)
    print(f"provisioning (tenants create: row, domain, template clone, audit): p50 "
          f"{provisioned['p50_s'] * 1000:.0f} ms, p90 {provisioned['p90_s'] * 1000:.0f} ms "
          f"over {provisioned['created']}", flush=True)
    print(f"catalog: {catalog()}", flush=True)

    def line(label: str, wall: float, inner: float | None = None) -> None:
        reported = f" (reported by the command: {inner:.2f} s)" if inner is not None else ""
        print(f"{label:<58} {wall:7.2f} s{reported}", flush=True)

    results = {}
    results["check"] = ours(1, "--check")
    line("tenants migrate --check, nothing pending", *results["check"])
    results["noop"] = ours(1)
    line("tenants migrate, nothing pending", *results["noop"])
    results["column"] = ours(2)
    line("tenants migrate, one nullable column", *results["column"])
    results["runpython"] = ours(3)
    line("tenants migrate, RunPython (executor fallback)", *results["runpython"])
    if not args.no_django_tenants:
        for stage, executor in ((4, "standard"), (5, "multiprocessing")):
            noop = theirs(stage - 1, executor)
            line(f"migrate_schemas --executor={executor}, nothing pending", noop)
            column = theirs(stage, executor)
            line(f"migrate_schemas --executor={executor}, one nullable column", column)
            print(f"  ratio django-tenants {executor} / Tenantry: nothing pending "
                  f"{noop / results['noop'][0]:.1f}x, one column {column / results['column'][0]:.1f}x",
                  flush=True)
        # django-tenants knows no template: Tenantry's check sees the tenants current, templates behind.
        _, out = manage(5, "tenants", "migrate", "--check", "--json", expect=1)
        checked = json.loads(out)
        print(f"after migrate_schemas, tenants migrate --check: {checked['databases']['default']['behind']} "
              f"tenant schemas behind, templates behind: {checked['templates_behind']}", flush=True)
    print(f"catalog: {catalog()}", flush=True)


if __name__ == "__main__":
    main()
