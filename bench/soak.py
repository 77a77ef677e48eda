"""Soak: N requests behind pgbouncer in transaction mode (a pool of 2 server connections per
database) over 50 tenants on two databases, while tenants are created, suspended, resumed and
deleted during the run. Every answer is checked: no tenant's page may show another tenant's
data, and no 5xx may come from a tenant that is not being deleted.

    .venv/bin/python bench/soak.py                     # 20,000 requests
    .venv/bin/python bench/soak.py --requests 100000   # the issue's figure

Uses its own databases (tenantry_soak, tenantry_soak_dedicated, recreated on every run, and
tenantry_soak_audit on MariaDB), PostgreSQL on 127.0.0.1:5432, MariaDB on 127.0.0.1:3306 and
Redis on 127.0.0.1:6379; starts and stops pgbouncer and gunicorn itself. Exits 1 if any
response showed another tenant's data or answered 5xx outside a deletion.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DATABASE = os.environ.get("SOAK_DATABASE", "tenantry_soak")
POSTGRES = "postgres://postgres@127.0.0.1:5432"

os.environ.update({
    "DJANGO_SETTINGS_MODULE": "settings.test",
    "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
    "TENANT_DATABASES": f"dedicated={POSTGRES}/{DATABASE}_dedicated",
    "AUDIT_DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DATABASE}_audit",
    "REDIS_URL": os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/13"),
})


@dataclass
class Site:
    slug: str
    marker: str  # in its name and every job title; in no other tenant's page


@dataclass
class Events:
    """What the operator did, when: the soak judges each answer against it."""

    suspended: dict[str, list[list[float]]] = field(default_factory=dict)  # slug -> [[from, to]]
    deleting: dict[str, float] = field(default_factory=dict)  # slug -> delete started
    created: dict[str, float] = field(default_factory=dict)  # slug -> create returned
    counts: Counter = field(default_factory=Counter)


def recreate_databases() -> None:
    import MySQLdb
    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in (DATABASE, f"{DATABASE}_dedicated"):
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    mysql = MySQLdb.connect(host="127.0.0.1", port=3306, user="root")
    mysql.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{DATABASE}_audit` CHARACTER SET utf8mb4")
    mysql.close()


def provision(slug: str, alias: str) -> Site:
    from careers.services import job_create
    from tenancy import context
    from tenants import services

    marker = f"M{secrets.token_hex(6)}"
    tenant = services.tenant_create(slug=slug, name=f"Org {marker}", database_alias=alias).tenant
    with context.activated(context.scope_for_tenant(tenant)):
        for number in range(3):
            job_create(title=f"{marker} job {number}", department="Engineering", location="Remote",
                       description=f"{marker} description", status="open")
    return Site(slug, marker)


class Operator(threading.Thread):
    """Creates, suspends, resumes and deletes tenants while the load runs."""

    def __init__(self, stable: list[Site], churn: list[Site], events: Events, pause: float):
        super().__init__(name="operator", daemon=True)
        self.stable, self.churn, self.events, self.pause = stable, churn, events, pause
        self.running = True
        self.random = random.Random(7)
        self.failure: BaseException | None = None

    def run(self):
        from tenants import selectors, services

        number = 0
        try:
            while self.running:
                number += 1
                # create one on alternating databases
                site = provision(f"churn-{number}", "dedicated" if number % 2 else "default")
                self.events.created[site.slug] = time.monotonic()
                self.churn.append(site)
                self.events.counts["created"] += 1
                self.sleep()
                # suspend a stable tenant, resume it a little later
                target = self.random.choice(self.stable)
                window = [time.monotonic(), float("inf")]
                self.events.suspended.setdefault(target.slug, []).append(window)
                services.tenant_suspend(tenant=selectors.tenant_get(slug=target.slug))
                self.events.counts["suspended"] += 1
                self.sleep()
                services.tenant_resume(tenant=selectors.tenant_get(slug=target.slug))
                window[1] = time.monotonic()
                self.events.counts["resumed"] += 1
                self.sleep()
                # delete the oldest churn tenant under traffic (it stays in the clients' list)
                if len(self.churn) > 2:
                    doomed = self.churn[0]
                    self.events.deleting[doomed.slug] = time.monotonic()
                    services.tenant_delete(tenant=selectors.tenant_get(slug=doomed.slug))
                    self.events.counts["deleted"] += 1
                    self.sleep()
                    self.churn.remove(doomed)
        except BaseException as error:  # reported by main
            self.failure = error

    def sleep(self):
        time.sleep(self.pause)


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)
    errors_outside_deletion: list[str] = field(default_factory=list)
    errors_while_deleting: int = 0
    unexpected: list[str] = field(default_factory=list)  # e.g. 503 for an active tenant
    lock: threading.Lock = field(default_factory=threading.Lock)


class LoadClient(threading.Thread):
    def __init__(self, number: int, port: int, stable: list[Site], churn: list[Site], events: Events,
                 tally: Tally, quota: int, base_domain: str, markers: dict[str, str]):
        super().__init__(name=f"soak-{number}", daemon=True)
        from tests.pgbouncer.load import Browser

        self.browser = Browser(port)
        self.stable, self.churn, self.events, self.tally = stable, churn, events, tally
        self.quota, self.base_domain, self.markers = quota, base_domain, markers
        self.random = random.Random(number)
        self.failure: BaseException | None = None

    def run(self):
        try:
            for _ in range(self.quota):
                churn = list(self.churn)
                site = self.random.choice(churn) if churn and self.random.random() < 0.2 \
                    else self.random.choice(self.stable)
                path = "/jobs/" if self.random.random() < 0.8 else f"/jobs/?q={site.marker}"
                sent = time.monotonic()
                response = self.browser.request("GET", f"{site.slug}.{self.base_domain}", path)
                self.judge(site, path, sent, time.monotonic(), response)
        except BaseException as error:
            self.failure = error
        finally:
            self.browser.close()

    def judge(self, site: Site, path: str, sent: float, answered: float, response) -> None:
        where = f"{site.slug}{path} -> {response.status}"
        others = [slug for slug, marker in self.markers.items() if slug != site.slug and marker in response.body]
        deleting = self.events.deleting.get(site.slug)
        being_deleted = deleting is not None and deleting <= answered
        suspended = any(start <= answered and sent <= end + 1.0
                        for start, end in self.events.suspended.get(site.slug, []))
        with self.tally.lock:
            self.tally.requests += 1
            self.tally.statuses[response.status] += 1
            if others:
                self.tally.leaks.append(f"{where} shows {others}")
            if response.status >= 500 and being_deleted:
                self.tally.errors_while_deleting += 1
            elif response.status >= 500 and not (response.status == 503 and suspended):
                self.tally.errors_outside_deletion.append(f"{where}: {response.body[:200]!r}")
            elif response.status == 200 and site.marker not in response.body:
                self.tally.unexpected.append(f"{where} lacks its own data")
            elif response.status == 404 and not being_deleted:
                self.tally.unexpected.append(where)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--tenants", type=int, default=50, help="stable tenants, half on each database")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between operator actions")
    options = parser.parse_args()

    recreate_databases()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from tests.servers import gunicorn_start, pgbouncer_start

    started = time.monotonic()
    call_command("tenants", "migrate", verbosity=0)
    stable = [provision(f"soak-{number}", "dedicated" if number % 2 else "default")
              for number in range(options.tenants)]
    connections.close_all()
    print(f"{options.tenants} tenants on two databases ready in {time.monotonic() - started:.0f}s", flush=True)

    scratch = Path(tempfile.mkdtemp(prefix="tenantry-soak-"))
    bouncer = pgbouncer_start(default_pool_size=2, reserve_pool_size=0, max_db_connections=2)
    through = {
        "DATABASE_URL": bouncer.url(DATABASE),
        "TENANT_DATABASES": f"dedicated={bouncer.url(DATABASE + '_dedicated')}",
    }
    server = gunicorn_start(env={**through, "GUNICORN_MAX_REQUESTS": "0"}, log=scratch / "gunicorn.log",
                            health_host=settings.BASE_DOMAIN, workers=options.workers, threads=options.threads)
    events, tally, churn = Events(), Tally(), []
    markers = _MarkerBook(stable, churn)
    operator = Operator(stable, churn, events, options.pause)
    quota = -(-options.requests // options.clients)
    clients = [LoadClient(number, server.port, stable, churn, events, tally, quota, settings.BASE_DOMAIN, markers)
               for number in range(options.clients)]
    try:
        load_started = time.monotonic()
        operator.start()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - load_started
        operator.running = False
        operator.join(120)
    finally:
        server.stop()
        bouncer.stop()
    failures = [thread.failure for thread in [operator, *clients] if thread.failure is not None]
    if failures:
        raise failures[0]

    pools = "pgbouncer transaction mode, default_pool_size=2, max_db_connections=2"
    print(f"soak: {tally.requests} requests in {elapsed:.0f}s ({tally.requests / elapsed:.0f}/s), "
          f"{options.clients} clients, gunicorn {options.workers}x{options.threads}, {pools}")
    print(f"tenants: {options.tenants} stable over two databases; operator: {dict(events.counts)}")
    print(f"statuses: {dict(sorted(tally.statuses.items()))}")
    print(f"with another tenant's data: {len(tally.leaks)}")
    print(f"5xx outside deletions: {len(tally.errors_outside_deletion)}; "
          f"5xx of tenants being deleted: {tally.errors_while_deleting}")
    print(f"other unexpected answers: {len(tally.unexpected)}")
    for line in (tally.leaks + tally.errors_outside_deletion + tally.unexpected)[:10]:
        print("  ", line)
    return 1 if tally.leaks or tally.errors_outside_deletion else 0


class _MarkerBook(dict):
    """slug -> marker of every tenant that exists or existed during the run (churn included)."""

    def __init__(self, stable: list[Site], churn: list[Site]):
        super().__init__({site.slug: site.marker for site in stable})
        self._churn = churn

    def items(self):
        for site in list(self._churn):
            self.setdefault(site.slug, site.marker)
        return super().items()


if __name__ == "__main__":
    sys.exit(main())
