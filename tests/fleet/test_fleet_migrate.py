"""``tenants migrate`` as a fleet: check, canary, JSON, a locked tenant, kill -9, and the fast
path's result against Django's own executor. One set of fresh databases (primary, dedicated,
MariaDB audit) with 200 tenants; each test moves the test app's migrations a stage on."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from tests.placement.test_fresh_databases import FreshDatabases, primary_name

ROOT = Path(__file__).resolve().parents[2]
TENANTS = 200
DEDICATED_EVERY = 4  # t-00001, t-00005, ... live on the dedicated database
FLEETAPP_LAST = {1: "0001_step"}


class Fleet(FreshDatabases):
    def env_for(self, stage: int, **extra) -> dict:
        return {**self.env, "DJANGO_SETTINGS_MODULE": "tests.fleet.settings",
                "FLEET_TEST_STAGE": str(stage), "LOG_LEVEL": "WARNING",
                "FLEET_LOCK_TIMEOUT": "0.2", "FLEET_LOCK_RETRIES": "2", **extra}

    def manage(self, stage: int, *args: str, expect: int = 0, **extra) -> subprocess.CompletedProcess:
        started = time.monotonic()
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT,
                                env=self.env_for(stage, **extra), capture_output=True, text=True,
                                timeout=300)
        print(f"{time.monotonic() - started:6.1f} s  stage {stage}: {' '.join(args)}")
        assert result.returncode == expect, f"{args}: {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result

    def migrate_json(self, stage: int, *args: str, expect: int = 0) -> dict:
        return json.loads(self.manage(stage, "tenants", "migrate", "--json", *args, expect=expect).stdout)

    def check(self, stage: int, expect: int) -> dict:
        return json.loads(self.manage(stage, "tenants", "migrate", "--check", "--json", expect=expect).stdout)

    def task(self, stage: int, *args: str) -> dict:
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "tests.fleet.tasks", *args], cwd=ROOT,
                                env=self.env_for(stage), capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        print(f"{time.monotonic() - started:6.1f} s  stage {stage}: {' '.join(args)}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def database_of(self, slug: str) -> str:
        return self.dedicated if int(slug.rsplit("-", 1)[1]) % DEDICATED_EVERY == 1 else self.primary

    def tenant_schemas(self, name: str) -> list[str]:
        return [s for (s,) in self.pg_rows(name, "SELECT nspname FROM pg_namespace "
                                                 "WHERE nspname LIKE 'tenant\\_t\\_%' ORDER BY 1")]

    def fleetapp_rows(self, name: str) -> dict[str, list[tuple[str, int]]]:
        """Per tenant schema: (migration, times recorded) of the test app."""
        schemas = self.tenant_schemas(name)
        sql = " UNION ALL ".join(
            f"SELECT '{s}', name, count(*) FROM \"{s}\".django_migrations WHERE app = 'fleetapp' "
            f"GROUP BY name" for s in schemas)
        rows: dict[str, list] = {s: [] for s in schemas}
        for schema, migration, times in self.pg_rows(name, sql):
            rows[schema].append((migration, times))
        return {schema: sorted(found) for schema, found in rows.items()}


@pytest.fixture(scope="module")
def fleet():
    fleet = Fleet(f"{primary_name()}_fl_{os.getpid()}")
    fleet.create()
    try:
        fleet.manage(1, "tenants", "migrate")
        provisioned = fleet.task(1, "provision", "--fast", "--count", str(TENANTS),
                                 "--dedicated-every", str(DEDICATED_EVERY))
        assert provisioned["total"] == TENANTS
        fleet.task(1, "django-migrate", "--schema", "fleet_ref")  # Django's executor, for comparison
        yield fleet
    finally:
        fleet.drop()


def expected(stage: int) -> list[tuple[str, int]]:
    return [(f"{number:04d}_step", 1) for number in range(1, stage + 1)]


def test_check_canary_tenants_and_json(fleet):
    before = fleet.check(2, expect=1)
    assert before["databases"] == {"dedicated": {"schemas": 50, "behind": 50},
                                   "default": {"schemas": 150, "behind": 150}}
    assert sorted(before["templates_behind"]) == ["dedicated", "default"]
    plain = fleet.manage(2, "tenants", "migrate", "--check", expect=1)
    assert "default: 150 of 150 tenant schemas behind" in plain.stdout

    canary = fleet.migrate_json(2, "--canary", "5")
    assert canary["ok"] and canary["stopped_after_canary"]
    assert canary["migrated"] == 5 and canary["skipped"] == 195
    assert canary["databases"]["default"]["template_applied"] == 1
    assert canary["databases"]["dedicated"]["template_applied"] == 1
    after_canary = fleet.check(2, expect=1)
    assert sum(db["behind"] for db in after_canary["databases"].values()) == 195
    assert after_canary["templates_behind"] == []

    chosen = fleet.migrate_json(2, "--tenants", "t-00150,t-00151")
    assert chosen["migrated"] == 2 and chosen["skipped"] == 193
    fleet.manage(2, "tenants", "migrate", "--tenants", "t-00150,nope", expect=1)

    rest = fleet.manage(2, "tenants", "migrate", "--parallel", "2")  # not a terminal: plain lines
    assert "tenants: 193 behind" in rest.stdout
    assert "193 tenant schema(s) migrated, 0 failed" in rest.stdout
    assert "No migrations to apply" not in rest.stdout and "Applying" not in rest.stdout
    assert fleet.check(2, expect=0)["current"]
    for name in (fleet.primary, fleet.dedicated):
        assert all(rows == expected(2) for rows in fleet.fleetapp_rows(name).values())


def test_a_locked_tenant_fails_after_retries_the_others_migrate_and_a_rerun_finishes(fleet):
    fleet.manage(3, "tenants", "migrate")  # the RunPython stage, through the executor fallback
    locked = "t-00002"
    holder = psycopg2.connect(dbname=fleet.primary, user=fleet.pg["USER"], host=fleet.pg["HOST"],
                              port=fleet.pg["PORT"] or 5432)
    try:
        with holder.cursor() as cursor:  # a long transaction reading the tenant's table
            cursor.execute(f'LOCK TABLE "tenant_{locked.replace("-", "_")}".fleetapp_widget IN ACCESS SHARE MODE')
        started = time.monotonic()
        result = fleet.migrate_json(4, "--parallel", "2", expect=1)
        assert [f["tenant"] for f in result["failed"]] == [locked]
        assert result["failed"][0]["attempts"] == 3  # FLEET_LOCK_RETRIES=2
        assert "lock timeout" in result["failed"][0]["error"]
        assert result["migrated"] == TENANTS - 1 and not result["ok"]
        assert time.monotonic() - started < 60
        assert fleet.check(4, expect=1)["databases"]["default"]["behind"] == 1
        rows = fleet.fleetapp_rows(fleet.primary)
        assert rows[f"tenant_{locked.replace('-', '_')}"] == expected(3)  # untouched, still served
    finally:
        holder.rollback()
        holder.close()
    rerun = fleet.migrate_json(4)
    assert rerun["ok"] and rerun["migrated"] == 1
    assert fleet.check(4, expect=0)["current"]


def test_killed_at_a_random_moment_a_rerun_applies_only_what_remains(fleet):
    fleet.manage(4, "tenants", "migrate")
    seed = random.randrange(1_000_000)
    delay = random.Random(seed).uniform(0.0, 1.0)
    process = subprocess.Popen([sys.executable, "manage.py", "tenants", "migrate", "--parallel", "2"],
                               cwd=ROOT, env=fleet.env_for(6), stdout=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:  # wait for the tenant phase, then kill within it
            if line.startswith("tenants: ") and "behind" in line:
                break
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"finished before the kill (seed {seed})"

    left = fleet.check(6, expect=1)
    rerun = fleet.migrate_json(6, "--parallel", "2")
    behind = sum(db["behind"] for db in left["databases"].values())
    assert rerun["ok"] and rerun["migrated"] == behind, f"seed {seed}"
    assert fleet.check(6, expect=0)["current"]
    for name in (fleet.primary, fleet.dedicated):
        rows = fleet.fleetapp_rows(name)
        wrong = {schema: found for schema, found in rows.items() if found != expected(6)}
        assert not wrong, f"seed {seed}: {wrong}"
    assert len(fleet.tenant_schemas(fleet.primary)) + len(fleet.tenant_schemas(fleet.dedicated)) == TENANTS


CATALOG = {
    "columns": """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                         a.attidentity, pg_get_expr(d.adbin, d.adrelid)
                  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                  WHERE c.relnamespace = '{schema}'::regnamespace AND c.relkind = 'r'
                    AND a.attnum > 0 AND NOT a.attisdropped""",
    "constraints": """SELECT c.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
                      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
                      WHERE c.relnamespace = '{schema}'::regnamespace""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = '{schema}'",
    "migrations": 'SELECT app, name FROM "{schema}".django_migrations',
}


def catalog(fleet: Fleet, database: str, schema: str) -> dict:
    described = {}
    for part, sql in CATALOG.items():
        rows = fleet.pg_rows(database, sql.format(schema=schema))
        described[part] = sorted(tuple(str(v).replace(f"{schema}.", "") for v in row) for row in rows)
    return described


def test_the_fast_path_leaves_each_schema_as_djangos_executor_does(fleet):
    fleet.manage(6, "tenants", "migrate")
    fleet.task(6, "django-migrate", "--schema", "fleet_ref")  # stage 1 -> 6 by Django alone
    reference = catalog(fleet, fleet.primary, "fleet_ref")
    assert ("fleetapp_part", "fleetapp_part_unique", "u",
            "UNIQUE (widget_id, label)") in reference["constraints"]
    assert len(reference["migrations"]) > 20
    for slug in ("t-00000", "t-00001", "t-00150"):
        schema = f"tenant_{slug.replace('-', '_')}"
        assert catalog(fleet, fleet.database_of(slug), schema) == reference, slug


def test_a_tenant_created_while_the_fleet_migrates_ends_up_current(fleet):
    fleet.manage(6, "tenants", "migrate")
    run = subprocess.Popen([sys.executable, "manage.py", "tenants", "migrate", "--parallel", "2"],
                           cwd=ROOT, env=fleet.env_for(7), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    create = subprocess.run([sys.executable, "manage.py", "tenants", "create", "late-one", "--name",
                             "Late"], cwd=ROOT, env=fleet.env_for(7), capture_output=True,
                            text=True, timeout=300)
    out, err = run.communicate(timeout=300)
    assert create.returncode == 0, create.stderr
    assert run.returncode == 0, out + err
    assert fleet.check(7, expect=0)["current"]
    rows = fleet.pg_rows(fleet.primary, "SELECT name, count(*) FROM tenant_late_one.django_migrations "
                                        "WHERE app = 'fleetapp' GROUP BY name ORDER BY name")
    assert rows == expected(7)
