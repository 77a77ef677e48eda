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

    .venv/bin/python bench/fleet.py [--tenants 100] [--no-django-tenants] [--reuse 6|11|16|21]

``--reuse BASE`` keeps the tenants of an earlier run (provisioning 1,000 takes minutes) and
measures the same five steps on stages BASE to BASE+4 of the test app.

``--light N`` instead measures Tenantry alone at N *light* tenants: registry rows and schemas
holding only ``django_migrations`` and the test app's table, with the template's marker as a
clone copies it (made by SQL in batches, for when cloning N full schemas does not fit the
time), stages 1 to 3.
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


LIGHT_BATCH = 200  # schemas per transaction: each holds locks until commit


def prepare_light(tenants: int) -> None:
    psql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(["mysql", "-h", "127.0.0.1", "-uroot", "-e",
                    f"DROP DATABASE IF EXISTS {AUDIT}; CREATE DATABASE {AUDIT}"], check=True)
    manage(1, "tenants", "migrate")
    for start in range(0, tenants, LIGHT_BATCH):
        psql(f"""DO $$ DECLARE s text; BEGIN
          FOR i IN {start}..{min(start + LIGHT_BATCH, tenants) - 1} LOOP
            s := 'tenant_l_' || lpad(i::text, 5, '0');
            EXECUTE format('CREATE SCHEMA %I', s);
            EXECUTE format('CREATE TABLE %I.django_migrations (LIKE tenantry_template.django_migrations
                            INCLUDING ALL)', s);
            EXECUTE format('INSERT INTO %I.django_migrations SELECT * FROM tenantry_template.django_migrations', s);
            EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), (SELECT max(id) FROM %I.django_migrations))',
                           s || '.django_migrations', s);
            EXECUTE format('COMMENT ON SCHEMA %I IS %L', s,
                           obj_description('tenantry_template'::regnamespace, 'pg_namespace'));
            EXECUTE format('CREATE TABLE %I.fleetapp_widget (LIKE tenantry_template.fleetapp_widget
                            INCLUDING ALL)', s);
            INSERT INTO public.tenants_tenant (schema_name, slug, name, status, plan, database_alias, created)
              VALUES (s, 'l-' || lpad(i::text, 5, '0'), s, 'active', 'free', 'default', now());
          END LOOP; END $$""", DATABASE)


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
    parser.add_argument("--light", type=int, default=0, metavar="N")
    parser.add_argument("--reuse", type=int, default=0, metavar="BASE",
                        help="keep the database of an earlier run: bring it to stage BASE "
                             "(6, 11, 16 or 21; untimed), then measure stages BASE to BASE+4")
    args = parser.parse_args()
    if args.light:
        return light(args.light)
    print(f"== fleet migrations at {args.tenants} tenants ==", flush=True)
    base = 1
    if args.reuse:
        base = args.reuse
        if base % 5 != 1 or not 6 <= base <= 21:
            raise SystemExit("--reuse takes 6, 11, 16 or 21 (a column, RunPython, two columns follow)")
        manage(base, "tenants", "migrate")
        print(f"reusing the provisioned database, brought to stage {base}", flush=True)
    else:
        provisioned = prepare(args.tenants)
        print(f"provisioning (tenants create: row, domain, template clone, audit): p50 "
              f"{provisioned['p50_s'] * 1000:.0f} ms, p90 {provisioned['p90_s'] * 1000:.0f} ms "
              f"over {provisioned['created']}", flush=True)
    print(f"catalog: {catalog()}", flush=True)

    def line(label: str, wall: float, inner: float | None = None) -> None:
        reported = f" (reported by the command: {inner:.2f} s)" if inner is not None else ""
        print(f"{label:<58} {wall:7.2f} s{reported}", flush=True)

    results = {}
    results["check"] = ours(base, "--check")
    line("tenants migrate --check, nothing pending", *results["check"])
    line("tenants migrate --check --verify (every table read)", *ours(base, "--check", "--verify"))
    results["noop"] = ours(base)
    line("tenants migrate, nothing pending", *results["noop"])
    results["column"] = ours(base + 1)
    line("tenants migrate, one nullable column", *results["column"])
    results["runpython"] = ours(base + 2)
    line("tenants migrate, RunPython (executor fallback)", *results["runpython"])
    if not args.no_django_tenants:
        for stage, executor in ((base + 3, "standard"), (base + 4, "multiprocessing")):
            noop = theirs(stage - 1, executor)
            line(f"migrate_schemas --executor={executor}, nothing pending", noop)
            column = theirs(stage, executor)
            line(f"migrate_schemas --executor={executor}, one nullable column", column)
            print(f"  ratio django-tenants {executor} / Tenantry: nothing pending "
                  f"{noop / results['noop'][0]:.1f}x, one column {column / results['column'][0]:.1f}x",
                  flush=True)
        # django-tenants knows no template: Tenantry's check sees the tenants current, templates behind.
        _, out = manage(base + 4, "tenants", "migrate", "--check", "--json", expect=1)
        checked = json.loads(out)
        print(f"after migrate_schemas, tenants migrate --check: {checked['databases']['default']['behind']} "
              f"tenant schemas behind, templates behind: {checked['templates_behind']}", flush=True)
    print(f"catalog: {catalog()}", flush=True)


def light(tenants: int) -> None:
    global DATABASE, AUDIT
    DATABASE, AUDIT = f"{DATABASE}_light", f"{AUDIT}_light"  # never the full run's databases
    print(f"== fleet migrations at {tenants} light tenants ==", flush=True)
    started = time.monotonic()
    prepare_light(tenants)
    print(f"made in {time.monotonic() - started:.0f} s; catalog: {catalog()}", flush=True)
    for label, stage, extra in (("--check, nothing pending", 1, ("--check",)),
                                ("--check --verify (every table read)", 1, ("--check", "--verify")),
                                ("nothing pending", 1, ()), ("one nullable column", 2, ()),
                                ("RunPython (executor fallback)", 3, ())):
        wall, inner = ours(stage, *extra)
        print(f"tenants migrate {label:<40} {wall:7.2f} s (reported by the command: {inner:.2f} s)",
              flush=True)


if __name__ == "__main__":
    main()
