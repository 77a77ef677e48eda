"""``make bench``: Tenantry against plain single-tenant Django, side by side, in one run.

The same careers job list (20 open jobs) is served by gunicorn from ``deploy/gunicorn.conf.py``
(2 workers) with (a) Tenantry on a tenant host and (b) ``settings.single_tenant`` (tenancy off),
on the same PostgreSQL and Redis, directly and through pgbouncer (transaction mode, from
``deploy/pgbouncer/``). wrk (8 connections) measures each; the two alternate for several
rounds and the median ratio (a)/(b) is reported. Then 1,000 tenants are provisioned (timed),
and the tenant page is measured again across all of them.

    .venv/bin/python bench/run.py [--rounds 11] [--duration 5] [--scale 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import common  # noqa: E402
from bench.callgrind import callgrind, instructions  # noqa: E402
from bench.common import BASE_DOMAIN, TENANT_HOST, sh  # noqa: E402
from tests.servers import gunicorn_start, pgbouncer_start  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432"
DATABASES = {"tenantry": "tenantry_bench", "single": "tenantry_bench_single"}  # 3 tenants / 1
AUDIT_DATABASE = "tenantry_bench_audit"
REDIS_URL = "redis://127.0.0.1:6379/14"


def django_env(mode: str, database_url: str) -> dict:
    return common.django_env(mode, database_url, redis_url=REDIS_URL, audit_database=AUDIT_DATABASE)


def task(mode: str, *args: str) -> dict:
    return common.task(django_env(mode, f"{PG}/{DATABASES[mode]}"), *args)


def prepare() -> None:
    for name in DATABASES.values():
        sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}"',
           "-c", f'CREATE DATABASE "{name}"')
    sh("mysql", "-h", "127.0.0.1", "-uroot", "-e",
       f"DROP DATABASE IF EXISTS {AUDIT_DATABASE}; CREATE DATABASE {AUDIT_DATABASE}")
    sh("redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "flushdb")
    sh(sys.executable, "manage.py", "tenants", "migrate", env=django_env("tenantry", f"{PG}/{DATABASES['tenantry']}"))
    sh(sys.executable, "manage.py", "migrate", env=django_env("single", f"{PG}/{DATABASES['single']}"))
    task("tenantry", "seed")
    task("single", "seed")


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_ms: float = 0.0  # gunicorn workers + every PostgreSQL process, per request


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU of each process still running, from /proc."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return seconds


def serving_pids(server) -> list[int]:
    """The gunicorn master's workers and every PostgreSQL process."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    postgres = [int(p.name) for p in Path("/proc").iterdir()
                if p.name.isdigit() and _comm(p) in {"postgres", "pgbouncer"}]
    return [int(pid) for pid in children] + postgres


def _comm(process: Path) -> str:
    try:
        return (process / "comm").read_text().strip()
    except OSError:
        return ""


def measured(server, **kwargs) -> Run:
    pids = serving_pids(server)
    before = cpu_seconds(pids)
    run = wrk(server.port, **kwargs)
    after = cpu_seconds(pids)
    used = sum(after[pid] - before[pid] for pid in after.keys() & before.keys())
    run.cpu_ms = used * 1000 / run.requests
    return run


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(port: int, *, hosts: list[str], duration: int, connections: int = 8) -> Run:
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(
        "local hosts = {" + ",".join(json.dumps(h) for h in hosts) + "}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        '  return wrk.format("GET", "/jobs/", {["Host"] = hosts[(n % #hosts) + 1], '
        '["Connection"] = "close"})\nend\n'
    )  # a new connection per request: keep-alive would pin connections unevenly to the workers
    try:
        out = sh("wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script),
                 f"http://127.0.0.1:{port}/jobs/")
    finally:
        script.unlink()
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    return Run(rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
               p50_ms=latency("50"), p99_ms=latency("99"),
               requests=int(re.search(r"(\d+) requests in", out).group(1)))


def start(mode: str, database_url: str, logs: Path):
    return gunicorn_start(env=django_env(mode, database_url), log=logs / f"{mode}.log",
                          health_host=TENANT_HOST, workers=2, threads=4)


def query_counts(bouncer) -> dict[str, int]:
    return {row["database"]: row["total_query_count"] for row in bouncer.show("STATS")}


def compare(path: str, servers: dict, rounds: int, duration: int, bouncer=None) -> dict:
    """Alternate Tenantry and single-tenant runs; the first of each pair swaps every round."""
    runs = {"tenantry": [], "single": []}
    round_trips = {"tenantry": [], "single": []}
    for mode in runs:  # warm up: connections, caches, imports
        wrk(servers[mode].port, hosts=[TENANT_HOST], duration=2)
    for number in range(rounds):
        order = ["tenantry", "single"] if number % 2 == 0 else ["single", "tenantry"]
        for mode in order:
            before = query_counts(bouncer) if bouncer else None
            run = measured(servers[mode], hosts=[TENANT_HOST], duration=duration)
            runs[mode].append(run)
            if bouncer:
                time.sleep(1.2)  # pgbouncer folds its counters every stats_period (1 s here)
                after = query_counts(bouncer)
                database = DATABASES[mode]
                round_trips[mode].append((after[database] - before[database]) / run.requests)
    ratios = [t.rps / s.rps for t, s in zip(runs["tenantry"], runs["single"])]
    cpu_ratios = [s.cpu_ms / t.cpu_ms for t, s in zip(runs["tenantry"], runs["single"])]
    return {"path": path, "runs": runs, "ratios": ratios, "cpu_ratios": cpu_ratios,
            "round_trips": round_trips}


def summary(result: dict, statements: dict) -> str:
    lines = [f"\n== {result['path']} ==",
             f"{'':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'statements/req':>16}"
             f"{'round trips/req':>17}"]
    for mode, runs in result["runs"].items():
        trips = result["round_trips"][mode]
        lines.append(
            f"{mode:<16}{statistics.median(r.rps for r in runs):>10.0f}"
            f"{statistics.median(r.p50_ms for r in runs):>9.2f}{statistics.median(r.p99_ms for r in runs):>9.2f}"
            f"{statistics.median(r.cpu_ms for r in runs):>12.2f}{statements[mode]:>16}{(f'{statistics.median(trips):.2f}' if trips else '-'):>17}")
    ratios = ", ".join(f"{r:.3f}" for r in result["ratios"])
    lines.append(f"ratio tenantry/single per round: {ratios}")
    lines.append(f"median ratio (req/s): {statistics.median(result['ratios']):.3f}")
    cpu = ", ".join(f"{r:.3f}" for r in result["cpu_ratios"])
    lines.append(f"CPU per request, single/tenantry per round: {cpu}")
    lines.append(f"median ratio (CPU per request): {statistics.median(result['cpu_ratios']):.3f}")
    return "\n".join(lines)


def instructions_per_request(mode: str, count: int = 100) -> float:
    """Django-side instructions per request, counted by callgrind: deterministic, unlike time
    on a shared machine. The difference of a run with ``count`` requests and one with none."""
    totals = []
    for n in (0, count):
        out_file = Path(tempfile.mkstemp(prefix="callgrind.")[1])
        try:
            sh(*callgrind(out_file), sys.executable, "bench/django_tasks.py", "requests",
               "--host", TENANT_HOST, "--count", str(n), env=django_env(mode, f"{PG}/{DATABASES[mode]}"))
            totals.append(instructions(out_file))
        finally:
            out_file.unlink(missing_ok=True)
    return (totals[1] - totals[0]) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--scale", type=int, default=1000, help="tenants to provision (0: skip)")
    args = parser.parse_args()

    prepare()
    statements = {mode: task(mode, "statements", "--host", TENANT_HOST)["statements"] for mode in DATABASES}
    instructions = {mode: instructions_per_request(mode) for mode in DATABASES}
    print(f"Django-side instructions per request (callgrind, in-process, 100 requests): "
          f"tenantry {instructions['tenantry'] / 1e6:.2f} M, single {instructions['single'] / 1e6:.2f} M; "
          f"ratio single/tenantry {instructions['single'] / instructions['tenantry']:.3f}", flush=True)
    logs = Path(tempfile.mkdtemp(prefix="tenantry-bench-"))
    bouncer = pgbouncer_start(stats_period=1)
    servers = {}
    try:
        servers["direct"] = {mode: start(mode, f"{PG}/{db}", logs) for mode, db in DATABASES.items()}
        servers["pgbouncer"] = {mode: start(mode, bouncer.url(db), logs) for mode, db in DATABASES.items()}
        print(f"Job list, 20 open jobs, gunicorn 2 workers x 4 threads, wrk 8 connections, "
              f"{args.rounds} alternating rounds of {args.duration}s each")
        for path in ("direct", "pgbouncer"):
            result = compare(path, servers[path], args.rounds, args.duration,
                             bouncer if path == "pgbouncer" else None)
            print(summary(result, statements), flush=True)
        if args.scale:
            scale(servers["direct"]["tenantry"], logs, args)
    finally:
        for group in servers.values():
            for server in group.values():
                server.stop()
        bouncer.stop()


def scale(three_tenants, logs: Path, args) -> None:
    """The tenant page with 3 tenants against ``--scale`` tenants, side by side; provisioning."""
    database = "tenantry_bench_scale"
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{database}"',
       "-c", f'CREATE DATABASE "{database}"')
    env = django_env("tenantry", f"{PG}/{database}")
    sh(sys.executable, "manage.py", "tenants", "migrate", env=env)
    sh(sys.executable, "bench/django_tasks.py", "seed", env=env)
    out = sh(sys.executable, "bench/django_tasks.py", "provision", "--until", str(args.scale), env=env)
    provisioned = json.loads(out.strip().splitlines()[-1])
    many = gunicorn_start(env=env, log=logs / "scale.log", health_host=TENANT_HOST, workers=2, threads=4)
    try:
        three_hosts = [f"{slug}.{BASE_DOMAIN}" for slug in ("acme", "globex", "initech")]
        wrk(three_tenants.port, hosts=three_hosts, duration=2)
        wrk(many.port, hosts=provisioned["hosts"], duration=max(args.duration, 5))  # meet every schema
        few_runs, many_runs = [], []
        for number in range(args.rounds):
            pair = [(few_runs, three_tenants, three_hosts), (many_runs, many, provisioned["hosts"])]
            for runs, server, hosts in pair if number % 2 == 0 else reversed(pair):
                runs.append(measured(server, hosts=hosts, duration=args.duration))
    finally:
        many.stop()
    p50_few = statistics.median(r.p50_ms for r in few_runs)
    p50_many = statistics.median(r.p50_ms for r in many_runs)
    print(f"\n== scale: {provisioned['total']} tenants against 3 ==")
    print(f"provisioning (schema, migrations, domain, invite): median {provisioned['median_all_s']:.3f} s "
          f"over {provisioned['created']}; at ~{provisioned['total']} existing, median of the last 50 "
          f"{provisioned['median_last50_s']:.3f} s, p90 {provisioned['p90_last50_s']:.3f} s")
    print(f"tenant page, {args.rounds} alternating rounds: 3 tenants p50 {p50_few:.2f} ms "
          f"({statistics.median(r.rps for r in few_runs):.0f} req/s); {provisioned['total']} tenants, "
          f"requests spread over all of them, p50 {p50_many:.2f} ms "
          f"({statistics.median(r.rps for r in many_runs):.0f} req/s); ratio {p50_many / p50_few:.3f}")
    print(f"CPU per request: 3 tenants {statistics.median(r.cpu_ms for r in few_runs):.2f} ms, "
          f"{provisioned['total']} tenants {statistics.median(r.cpu_ms for r in many_runs):.2f} ms")


if __name__ == "__main__":
    main()
