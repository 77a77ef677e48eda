"""Benchmark: a tenant's /jobs/ page (20 jobs) served by gunicorn, direct to PostgreSQL and through
pgbouncer in transaction mode, side by side: requests per second (wrk), and per request the
round trips and statements PostgreSQL receives (counted on the wire by a small proxy).

    .venv/bin/python bench/pgbouncer.py        # BENCH_SECONDS=10 BENCH_CONNECTIONS=12

Uses its own databases (tenantry_bench_pgbouncer*), PostgreSQL on 127.0.0.1:5432, MariaDB on
127.0.0.1:3306 and Redis on 127.0.0.1:6379; starts and stops everything else itself.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATABASE = os.environ.get("BENCH_PGBOUNCER_DATABASE", "tenantry_bench_pgbouncer")
POSTGRES = ("127.0.0.1", 5432)
SECONDS = int(os.environ.get("BENCH_SECONDS", 10))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", 12))
WORKERS, THREADS = int(os.environ.get("BENCH_WORKERS", 2)), int(os.environ.get("BENCH_THREADS", 4))
COUNTED_REQUESTS = 200
SLUG, JOBS = "bench", 20

os.environ.update({
    "DJANGO_SETTINGS_MODULE": "settings.test",
    "DATABASE_URL": f"postgres://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{DATABASE}",
    "TENANT_DATABASES": f"dedicated=postgres://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{DATABASE}_dedicated",
    "AUDIT_DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DATABASE}_audit",
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
})


# --- PostgreSQL wire protocol, counted ------------------------------------------------------


class WireCounter:
    """A TCP proxy in front of PostgreSQL (or pgbouncer) counting what crosses it: Query messages
    from the client (each one a round trip) and CommandComplete tags from the server (one per
    statement executed). The startup message is passed through uncounted (sslmode=disable)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.queries = 0
        self.statements: Counter = Counter()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()

    def reset(self) -> None:
        self.queries, self.statements = 0, Counter()

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _client(self, client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(self._pump(client_reader, server_writer, self._from_client, startup=True),
                             self._pump(server_reader, client_writer, self._from_server),
                             return_exceptions=True)

    async def _pump(self, reader, writer, count, startup: bool = False):
        buffer = b""
        try:
            while data := await reader.read(65536):
                writer.write(data)
                buffer += data
                while True:
                    if startup:  # untyped: int32 length, then the body
                        if len(buffer) < 4 or len(buffer) < struct.unpack("!I", buffer[:4])[0]:
                            break
                        buffer, startup = buffer[struct.unpack("!I", buffer[:4])[0]:], False
                        continue
                    if len(buffer) < 5:
                        break
                    length = struct.unpack("!I", buffer[1:5])[0]
                    if len(buffer) < 1 + length:
                        break
                    count(buffer[:1], buffer[5:1 + length])
                    buffer = buffer[1 + length:]
                await writer.drain()
        finally:
            writer.close()

    def _from_client(self, kind: bytes, body: bytes) -> None:
        if kind == b"Q":
            self.queries += 1

    def _from_server(self, kind: bytes, body: bytes) -> None:
        if kind == b"C":
            self.statements[body.rstrip(b"\0").split(b" ")[0].decode()] += 1


# --- the fixture: databases, a tenant with 20 open jobs -------------------------------------


def prepare() -> str:
    """Create and migrate the benchmark's databases and its tenant; return the tenant's host."""
    import MySQLdb
    import psycopg2

    admin = psycopg2.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in (DATABASE, f"{DATABASE}_dedicated"):
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    mysql = MySQLdb.connect(host="127.0.0.1", port=3306, user="root")
    mysql.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{DATABASE}_audit` CHARACTER SET utf8mb4")
    mysql.close()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from careers.models import Job
    from careers.services import job_create
    from tenancy import context
    from tenants import services
    from tenants.models import Tenant

    call_command("tenants", "migrate", verbosity=0)
    tenant = Tenant.objects.filter(slug=SLUG).first()
    if tenant is None:
        tenant = services.tenant_create(slug=SLUG, name="Bench Corp").tenant
    with context.activated(context.scope_for_tenant(tenant)):
        for number in range(Job.objects.filter(status="open").count(), JOBS):
            job_create(title=f"Bench job {number + 1}", department="Engineering", location="Remote",
                       description="A job on the benchmark's page.", status="open")
    from django.db import connections

    connections.close_all()
    return f"{SLUG}.{settings.BASE_DOMAIN}"


# --- one configuration: counted, then timed -------------------------------------------------


def database_urls(host: str, port: int) -> dict[str, str]:
    query = "?sslmode=disable&gssencmode=disable"  # plain protocol, so the counter can read it
    return {
        "DATABASE_URL": f"postgres://postgres@{host}:{port}/{DATABASE}{query}",
        "TENANT_DATABASES": f"dedicated=postgres://postgres@{host}:{port}/{DATABASE}_dedicated{query}",
    }


def get(port: int, host: str, path: str, connection=None) -> tuple[int, str]:
    own = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    own.request("GET", path, headers={"Host": host})
    response = own.getresponse()
    body = response.read().decode()
    if connection is None:
        own.close()
    return response.status, body


def counted(target: tuple[str, int], host: str, settings_module: str, log: Path) -> dict:
    from tests.servers import gunicorn_start

    counter = WireCounter(target)
    server = gunicorn_start(env={"DJANGO_SETTINGS_MODULE": settings_module, "GUNICORN_MAX_REQUESTS": "0",
                                 **database_urls("127.0.0.1", counter.port)},
                            log=log, health_host=host.split(".", 1)[1], workers=1, threads=1)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for _ in range(20):  # connections opened, caches warm
            status, body = get(server.port, host, "/jobs/", connection)
            assert status == 200 and "Bench job" in body, (status, body[:500])
        counter.reset()
        for _ in range(COUNTED_REQUESTS):
            get(server.port, host, "/jobs/", connection)
        connection.close()
        statements = sum(counter.statements.values())
        return {
            "round_trips": counter.queries / COUNTED_REQUESTS,
            "statements": statements / COUNTED_REQUESTS,
            "set": counter.statements["SET"] / COUNTED_REQUESTS,
        }
    finally:
        server.stop()
        counter.stop()


def timed(target: tuple[str, int], host: str, settings_module: str, log: Path) -> dict:
    from tests.servers import gunicorn_start

    server = gunicorn_start(env={"DJANGO_SETTINGS_MODULE": settings_module, "GUNICORN_MAX_REQUESTS": "0",
                                 **database_urls(*target)},
                            log=log, health_host=host.split(".", 1)[1], workers=WORKERS, threads=THREADS)
    try:
        url = f"http://127.0.0.1:{server.port}/jobs/"
        # A connection per request: kept-alive connections would stick unevenly to the workers.
        headers = ["-H", f"Host: {host}", "-H", "Connection: close"]
        subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", *headers, url],
                       check=True, capture_output=True)  # warm-up: every thread connected
        output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *headers, url],
                                check=True, capture_output=True, text=True).stdout
    finally:
        server.stop()
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency(output, "50%"),
        "p99": latency(output, "99%"),
        "errors": int(bad.group(1)) if bad else 0,
    }


def latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> int:
    if not shutil.which("wrk"):
        print("bench/pgbouncer.py needs wrk (Debian package wrk)", file=sys.stderr)
        return 1
    from tests.servers import pgbouncer_start

    host = prepare()
    scratch = Path(tempfile.mkdtemp(prefix="tenantry-bench-"))
    bouncer = pgbouncer_start(default_pool_size=20)  # deploy/pgbouncer/pgbouncer.ini, local auth
    resetting = pgbouncer_start(default_pool_size=20, server_reset_query_always=1)
    rows = [
        ("direct to PostgreSQL", POSTGRES, "settings.test"),
        ("pgbouncer, transaction mode", ("127.0.0.1", bouncer.port), "settings.test"),
        ("pgbouncer, + reset every transaction", ("127.0.0.1", resetting.port), "settings.test"),
        ("plain django-tenants, direct", POSTGRES, "tests.pgbouncer.unsafe_settings"),
    ]
    results = []
    try:
        for label, target, settings_module in rows:
            log = scratch / f"{len(results)}.log"
            results.append((label, counted(target, host, settings_module, log),
                            timed(target, host, settings_module, log)))
    finally:
        bouncer.stop()
        resetting.stop()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"Tenant page /jobs/ ({JOBS} jobs), gunicorn {WORKERS} workers x {THREADS} threads, "
          f"wrk {CONNECTIONS} connections x {SECONDS}s; per request counted on the wire over "
          f"{COUNTED_REQUESTS} requests")
    print(f"{'configuration':<38} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'round trips/req':>16} {'statements/req':>15} {'of which SET':>13}")
    for label, count, time in results:
        print(f"{label:<38} {time['rps']:>8.1f} {time['p50']:>7.2f} {time['p99']:>7.2f} {time['errors']:>6} "
              f"{count['round_trips']:>16.2f} {count['statements']:>15.2f} {count['set']:>13.2f}")
    return 0 if all(time["errors"] == 0 for _, _, time in results) else 1


if __name__ == "__main__":
    sys.exit(main())
