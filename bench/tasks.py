"""Celery: what the tenant scope costs per task, against a plain Celery task, side by side.

One worker (``celery -A controlplane worker --concurrency 1``, as the systemd unit runs it) on
RabbitMQ; the same trivial task as a plain ``celery.Task`` and as Tenantry's ``TenantTask`` (the
scope header, the registry lookup at run time, the context activated and reset). Each round
trip is timed from publish to the task's reply on a Redis list; rounds alternate the two kinds
and the median of each is reported. Then the throughput of one worker on a full queue.

    .venv/bin/python bench/tasks.py [--rounds 10] [--per-round 200] [--throughput 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.servers import celery_worker_start, rabbitmq_ensure  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432"
DATABASE = "tenantry_bench_tasks"
AUDIT_DATABASE = "tenantry_bench_tasks_audit"
REDIS_URL = "redis://127.0.0.1:6379/13"
TENANT = "bench-acme"


def environment(broker: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "settings.test", "DATABASE_URL": f"{PG}/{DATABASE}",
        "TENANT_DATABASES": "", "AUDIT_DATABASE_URL": f"mysql://root@127.0.0.1:3306/{AUDIT_DATABASE}",
        "REDIS_URL": REDIS_URL, "BENCH_REPLY_URL": REDIS_URL, "CELERY_BROKER_URL": broker,
        "CELERY_EXTRA_IMPORTS": "bench.task_probes", "CELERY_QUEUE": "tenantry-bench",
        "LOG_LEVEL": "WARNING",
        # beat is not running here; keep the periodic tasks out of the measurement anyway
        "OPERATIONS_SWEEP_SECONDS": "3600", "AUDIT_DELIVER_SECONDS": "3600",
    }


def sh(*command: str, env: dict | None = None) -> str:
    result = subprocess.run(command, cwd=REPO, env={**os.environ, **(env or {})},
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(env: dict) -> None:
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f'DROP DATABASE IF EXISTS "{DATABASE}"',
       "-c", f'CREATE DATABASE "{DATABASE}"')
    sh("mysql", "-h", "127.0.0.1", "-uroot", "-e",
       f"DROP DATABASE IF EXISTS {AUDIT_DATABASE}; CREATE DATABASE {AUDIT_DATABASE}")
    sh(sys.executable, "manage.py", "tenants", "migrate", env=env)
    sh(sys.executable, "manage.py", "tenants", "create", TENANT, "--name", "Bench Acme", env=env)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--throughput", type=int, default=2000)
    args = parser.parse_args()

    broker = rabbitmq_ensure(os.environ.get("BENCH_CELERY_VHOST", "tenantry_bench"))
    env = environment(broker)
    prepare(env)
    os.environ.update(env)
    import django

    django.setup()
    import redis

    from controlplane.celery import app
    from tenancy import context
    from tenants.models import Tenant

    replies = redis.Redis.from_url(REDIS_URL)
    scope = context.scope_for_tenant(Tenant.objects.get(slug=TENANT))
    with app.connection_for_write() as connection:  # an empty queue of the benchmark's own
        connection.default_channel.queue_declare(env["CELERY_QUEUE"], durable=True, auto_delete=False)
        connection.default_channel.queue_purge(env["CELERY_QUEUE"])

    def round_trip(name: str) -> float:
        key = f"bench:{uuid.uuid4().hex}"
        started = time.perf_counter()
        app.send_task(name, kwargs={"reply": key})
        _, value = replies.blpop(key, timeout=30)
        elapsed = time.perf_counter() - started
        assert value in (b"plain", TENANT.encode()), value  # the tenant task ran in its tenant
        return elapsed

    def throughput(name: str, count: int) -> float:
        key = f"bench:{uuid.uuid4().hex}"
        started = time.perf_counter()
        for _ in range(count):
            app.send_task(name, kwargs={"reply": key})
        while replies.llen(key) < count:
            time.sleep(0.01)
        elapsed = time.perf_counter() - started
        replies.delete(key)
        return count / elapsed

    log = Path(tempfile.mkdtemp(prefix="tenantry-bench-tasks-")) / "worker.log"
    worker = celery_worker_start(env=env, log=log, concurrency=1)
    try:
        with context.activated(scope):  # both sent from the tenant's scope: the same header
            for name in ("bench.plain_noop", "bench.tenant_noop"):
                for _ in range(100):  # warm-up: connections, caches, the first import
                    round_trip(name)
            samples = {"bench.plain_noop": [], "bench.tenant_noop": []}
            for number in range(args.rounds):
                order = list(samples) if number % 2 == 0 else list(reversed(samples))
                for name in order:
                    samples[name] += [round_trip(name) for _ in range(args.per_round)]
            rates = {name: throughput(name, args.throughput) for name in samples}
    finally:
        worker.stop()

    # Exact, whatever the machine's load: what the scope adds to one task, in this process.
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    app.loader.import_default_modules()  # the bench's tasks, here as in the worker

    def in_process(name: str, count: int = 500) -> tuple[int, float]:
        key = f"bench:{uuid.uuid4().hex}"
        with context.activated(scope), CaptureQueriesContext(connections["default"]) as queries:
            app.tasks[name].apply(kwargs={"reply": key})
        started = time.perf_counter()
        with context.activated(scope):
            for _ in range(count):
                app.tasks[name].apply(kwargs={"reply": key})
        elapsed = (time.perf_counter() - started) / count
        replies.delete(key)
        return len(queries), elapsed * 1000

    queries = {name: in_process(name) for name in ("bench.plain_noop", "bench.tenant_noop")}

    plain = statistics.median(samples["bench.plain_noop"]) * 1000
    tenant = statistics.median(samples["bench.tenant_noop"]) * 1000
    result = {
        "round_trip_ms_median": {"plain": round(plain, 3), "tenant": round(tenant, 3)},
        "round_trip_ms_p90": {name.split(".")[1].split("_")[0]: round(
            statistics.quantiles(values, n=10)[-1] * 1000, 3) for name, values in samples.items()},
        "tenant_scope_overhead_ms": round(tenant - plain, 3),
        "tenant_scope_overhead_percent": round(100 * (tenant - plain) / plain, 1),
        "tasks_timed_each": len(samples["bench.plain_noop"]),
        "throughput_one_worker_tasks_per_s": {name.split(".")[1].split("_")[0]: round(rate)
                                              for name, rate in rates.items()},
        "in_process_queries_per_task": {name.split(".")[1].split("_")[0]: count
                                        for name, (count, _) in queries.items()},
        "in_process_ms_per_task": {name.split(".")[1].split("_")[0]: round(ms, 3)
                                   for name, (_, ms) in queries.items()},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
