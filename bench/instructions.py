"""Whole-stack instructions per request, Tenantry against single-tenant Django (callgrind).

Each side serves the careers job list (20 open jobs, tenant host ``acme.tenantry.test``)
``--requests`` times (200 by default) through the WSGI application gunicorn loads, against a
private PostgreSQL 15 server started for the run from a copy of one seeded cluster: directly,
and through pgbouncer in transaction mode (``deploy/pgbouncer/pgbouncer.ini``). The Django
process, the PostgreSQL server (with ``--trace-children=yes``; its forked backends count too)
and pgbouncer each run under ``valgrind --tool=callgrind``. A run with zero requests (the same
start-up, warm-up and shutdown) is subtracted, so what is left is the requests' own cost.

    .venv/bin/python bench/instructions.py [--requests 200] [--paths direct,pgbouncer] [--jobs 2] [--json FILE]

From other code: ``bench.instructions.measure(requests=200)`` returns the same figures as a dict.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.callgrind import callgrind, instructions_by_pid  # noqa: E402
from bench.common import TENANT_HOST, django_env, sh, task  # noqa: E402
from bench.postgres_cluster import PostgresServer, copy_cluster, initdb  # noqa: E402
from tests.servers import pgbouncer_start, redis_start  # noqa: E402

SIDES = ("tenantry", "single")
PATHS = ("direct", "pgbouncer")
DATABASES = {"tenantry": "tenantry_bench", "single": "tenantry_bench_single"}  # 3 tenants / 1
WARM_UP = 20  # requests before the counted ones, in both runs: connections, caches, imports
NAMES = ("django", "postgres", "backends", "pgbouncer", "total")  # processes, and their sum
# What under callgrind would follow the clock (~50x slower) rather than the requests, fixed:
DETERMINISTIC = {
    "PYTHONHASHSEED": "0",  # same dict and set layouts in every run
    "CONN_MAX_AGE": "86400",  # one connection for the run, as under load (60 s ≈ 10,000s of requests)
    "TENANT_HOSTS_CHECK_INTERVAL": "86400",  # host cache generation: checked on the first request only
    # Per-tenant counts are sent to Redis once a second per process, i.e. once per tens or
    # hundreds of requests under load; at callgrind's pace that would be every request or two.
    "METRICS_FLUSH_SECONDS": "86400",
}


@dataclass
class Run:
    """Instructions one run's processes executed, in all."""

    django: int
    postgres: int  # every process of the server: postmaster, background, backends
    backends: int  # of which the backends forked for connections during the run
    pgbouncer: int = 0

    def per_request(self, zero: Run, requests: int) -> dict[str, float]:
        figures = {name: (getattr(self, name) - getattr(zero, name)) / requests
                   for name in ("django", "postgres", "backends", "pgbouncer")}
        figures["total"] = figures["django"] + figures["postgres"] + figures["pgbouncer"]
        return figures


def prepare(directory: Path) -> Path:
    """A stopped cluster with both sides' databases migrated and seeded (not measured)."""
    import MySQLdb
    import psycopg2

    template = directory / "template"
    initdb(template)
    server = PostgresServer.start(template)
    redis = redis_start(log=directory / "redis-prepare.log")
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres", dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            for name in DATABASES.values():
                cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        mysql = MySQLdb.connect(host="127.0.0.1", port=3306, user="root")
        mysql.cursor().execute(f"CREATE DATABASE `{audit_database(directory)}` CHARACTER SET utf8mb4")
        mysql.close()
        for side in SIDES:
            env = side_env(side, server.url(DATABASES[side]), redis.url, directory)
            sh(sys.executable, "manage.py", *(["tenants", "migrate"] if side == "tenantry" else ["migrate"]),
               env=env)
            task(env, "seed")
            task(env, "serve", "--host", TENANT_HOST, "--warm-up", "1")  # the page works; bytecode compiled
            database = psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres",
                                        dbname=DATABASES[side])
            database.autocommit = True
            with database.cursor() as cursor:
                cursor.execute("VACUUM (FREEZE, ANALYZE)")  # hint bits set, statistics current
            database.close()
    finally:
        redis.stop()
        server.stop()
    return template


def audit_database(directory: Path) -> str:
    """The run's own audit database on MariaDB (its tables are migrated; the page reads none)."""
    return "tenantry_bench_instructions_" + directory.name.rsplit("-", 1)[1].lower()


def drop_audit_database(directory: Path) -> None:
    import MySQLdb

    mysql = MySQLdb.connect(host="127.0.0.1", port=3306, user="root")
    mysql.cursor().execute(f"DROP DATABASE IF EXISTS `{audit_database(directory)}`")
    mysql.close()


def side_env(side: str, database_url: str, redis_url: str, directory: Path) -> dict:
    return {**django_env(side, database_url, redis_url=redis_url, audit_database=audit_database(directory)),
            **DETERMINISTIC}


def run(template: Path, directory: Path, *, side: str, path: str, requests: int) -> Run:
    """One side on one path: fresh copies of the cluster and Redis, everything under callgrind."""
    name = f"{side}-{path}-{requests}"
    data = directory / name
    copy_cluster(template, data)
    out = directory / f"{name}-callgrind"
    out.mkdir()
    os.chmod(out, 0o777)  # PostgreSQL and pgbouncer write theirs as the postgres user
    redis = redis_start(log=directory / f"{name}-redis.log")
    try:
        server = PostgresServer.start(data, wrapper=callgrind(out / "postgres.%p", trace_children=True))
    except Exception:
        redis.stop()
        raise
    background = server.children()
    bouncer = None
    backends: set[int] = set()
    try:
        if path == "pgbouncer":
            bouncer = pgbouncer_start(wrapper=callgrind(out / "pgbouncer.%p"), server_port=server.port,
                                      start_timeout=300)
        url = bouncer.url(DATABASES[side]) if bouncer else server.url(DATABASES[side])
        command = [*callgrind(out / "django.%p"), sys.executable, "bench/django_tasks.py", "serve",
                   "--host", TENANT_HOST, "--count", str(requests), "--warm-up", str(WARM_UP)]
        with (directory / f"{name}-django.log").open("wb") as log:
            env = {**os.environ, **side_env(side, url, redis.url, directory)}
            django = subprocess.Popen(command, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT)
        while django.poll() is None:  # the backends are the server's children born meanwhile
            backends |= server.children() - background
            time.sleep(0.2)
        if django.returncode:
            raise SystemExit(f"bench/django_tasks.py serve failed ({side}, {path}):\n"
                             f"{(directory / f'{name}-django.log').read_text()[-3000:]}")
        if bouncer:
            bouncer.stop()  # closes its server connections
            bouncer = None
        server.wait_for_children(background)  # each backend finishes on its own, as its client left
    finally:
        if bouncer:
            bouncer.stop()
        server.stop()
        redis.stop()
    postgres = instructions_by_pid(out, "postgres")
    result = Run(django=sum(instructions_by_pid(out, "django").values()), postgres=sum(postgres.values()),
                 backends=sum(count for pid, count in postgres.items() if pid in backends),
                 pgbouncer=sum(instructions_by_pid(out, "pgbouncer").values()))
    shutil.rmtree(data, ignore_errors=True)
    return result


def measure(*, requests: int = 200, paths: tuple[str, ...] = PATHS, jobs: int = 2, log=None) -> dict:
    """Instructions per request for each side, path and process, and single / tenantry ratios:

    ``{"requests": N, "paths": {"direct": {"tenantry": {"django": ..., "postgres": ...,
    "backends": ..., "pgbouncer": ..., "total": ...}, "single": {...}, "ratio": {...}}}}``

    ``jobs`` runs go on at once, each on servers of its own;
    ``log(line)``, if given, hears of each run as it ends.
    """
    if requests < 1 or jobs < 1:
        raise ValueError("requests and jobs must be at least 1")
    unknown = set(paths) - set(PATHS)
    if unknown or not paths:
        raise ValueError(f"unknown path(s) {', '.join(sorted(unknown))}; choose from {', '.join(PATHS)}")
    directory = Path(tempfile.mkdtemp(prefix="tenantry-instructions-"))
    os.chmod(directory, 0o755)  # the postgres user reaches its clusters in here
    started = time.monotonic()
    try:
        template = prepare(directory)
        plan = [(path, side, count) for path in paths for side in SIDES for count in (0, requests)]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            def one(path: str, side: str, count: int) -> Run:
                result = run(template, directory, side=side, path=path, requests=count)
                if log:
                    log(f"{path} {side} {count} requests: {result} ({time.monotonic() - started:.0f} s)")
                return result

            futures = {pool.submit(one, *key): key for key in plan}
            runs = {}
            try:
                for future in as_completed(futures):
                    runs[futures[future]] = future.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # the runs under way stop their servers
                raise
    finally:
        drop_audit_database(directory)
        shutil.rmtree(directory, ignore_errors=True)
    figures = {}
    for path in paths:
        figures[path] = {side: runs[path, side, requests].per_request(runs[path, side, 0], requests)
                         for side in SIDES}
        figures[path]["ratio"] = {name: figures[path]["single"][name] / figures[path]["tenantry"][name]
                                  for name in figures[path]["single"] if figures[path]["tenantry"][name]}
    return {"requests": requests, "warm_up": WARM_UP, "seconds": round(time.monotonic() - started),
            "paths": figures,
            "runs": {f"{path} {side} {count}": asdict(result) for (path, side, count), result in runs.items()}}


def format_row(figures: dict[str, float]) -> str:
    return "".join(f"{figures[name] / 1e6:>12.3f}" for name in NAMES)


def report(result: dict) -> str:
    lines = [f"Instructions per request, millions (callgrind; {result['requests']} requests of /jobs/ "
             f"after {result['warm_up']} warm-up, less a run with none; {result['seconds']} s)",
             f"{'path':<10} {'side':<9}{'Django':>12}{'PostgreSQL':>12}{'  backends':>12}{'pgbouncer':>12}"
             f"{'total':>12}"]
    for path, figures in result["paths"].items():
        for side in SIDES:
            lines.append(f"{path:<10} {side:<9}{format_row(figures[side])}")
        ratio = figures["ratio"]
        lines.append(f"{path:<10} {'single/t':<9}" + "".join(
            f"{ratio[name]:>12.4f}" if name in ratio else f"{'-':>12}"
            for name in NAMES))
    lines.append("whole-stack ratio single / tenantry: " + ", ".join(
        f"{path} {figures['ratio']['total']:.4f}" for path, figures in result["paths"].items()))
    return "\n".join(lines)


def changes(before: dict, after: dict) -> str:
    """Per-request instructions of ``after`` against ``before`` (two results of ``measure``)."""
    lines = ["Against the baseline, change in instructions per request (%)",
             f"{'path':<10} {'side':<9}" + "".join(f"{name:>12}" for name in NAMES)]
    for path in after["paths"].keys() & before["paths"].keys():
        for side in SIDES:
            old, new = before["paths"][path][side], after["paths"][path][side]
            lines.append(f"{path:<10} {side:<9}" + "".join(
                f"{(new[name] - old[name]) / old[name] * 100:>+12.2f}" if old[name] else f"{'-':>12}"
                for name in NAMES))
        lines.append(f"{path:<10} whole-stack ratio single / tenantry {before['paths'][path]['ratio']['total']:.4f}"
                     f" -> {after['paths'][path]['ratio']['total']:.4f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests counted per run (default 200)")
    parser.add_argument("--paths", default=",".join(PATHS), help="direct, pgbouncer or both (default)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (default 2; each on servers of its own)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--baseline", type=Path, help="a file --json wrote earlier: print the change from it")
    args = parser.parse_args()
    baseline = None
    if args.baseline:
        try:
            baseline = json.loads(args.baseline.read_text())
        except (OSError, ValueError) as error:
            parser.exit(2, f"bench/instructions.py: --baseline {args.baseline}: {error}\n")
    try:
        result = measure(requests=args.requests, paths=tuple(filter(None, args.paths.split(","))),
                         jobs=args.jobs, log=lambda line: print(line, file=sys.stderr, flush=True))
    except ValueError as error:
        parser.exit(2, f"bench/instructions.py: {error}\n")
    print(report(result))
    if baseline:
        print(changes(baseline, result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
