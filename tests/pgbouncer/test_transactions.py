"""Through pgbouncer in transaction mode (2 server connections per database), every statement runs
in its own tenant's schema: autocommit, ``atomic`` and savepoints, after rollbacks, with
``.iterator()``, when the scope changes inside a transaction, and in management commands.
A connection that carries no scope of ours finds no tenant table at all (fail closed).
"""

from __future__ import annotations

import copy
import json
import os
import random
import subprocess
import sys
import threading
from contextlib import contextmanager

import psycopg2
import pytest
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connections, transaction
from django.db.utils import load_backend

from careers.models import Job
from careers.services import job_create
from tenancy import context
from tests.pgbouncer.fixtures import server_environment
from tests.servers import LOCALHOST, REPO

pytestmark = [pytest.mark.live, pytest.mark.django_db(databases="__all__")]


class Rollback(Exception):
    pass


@contextmanager
def through_pgbouncer(bouncer):
    """This thread's Django connections to PostgreSQL go through ``bouncer``."""
    aliases = [alias for alias in settings.DATABASES
               if settings.DATABASES[alias]["ENGINE"] == settings.POSTGRES_ENGINE]
    for alias in aliases:
        config = copy.deepcopy(connections[alias].settings_dict)
        config.update(HOST=LOCALHOST, PORT=str(bouncer.port))
        connections[alias] = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    try:
        yield
    finally:
        for alias in aliases:
            connections[alias].close()


def scoped(live):
    return context.activated(context.scope_for_tenant(live.tenant))


class Worker(threading.Thread):
    """Random tenants, every kind of transaction; records what each statement saw."""

    def __init__(self, number: int, bouncer, tenants, rounds: int):
        super().__init__(name=f"pgbouncer-worker-{number}", daemon=True)
        self.number, self.bouncer, self.tenants, self.rounds = number, bouncer, tenants, rounds
        self.random = random.Random(number)
        self.problems: list[str] = []
        self.committed: dict[str, int] = {}
        self.failure: BaseException | None = None

    def check(self, live, titles: list[str], where: str) -> None:
        if not titles or not all(live.marker in title for title in titles):
            self.problems.append(f"{where} in {live.tenant.slug}: {titles[:3]}")

    def run(self):
        try:
            with through_pgbouncer(self.bouncer):
                for round_number in range(self.rounds):
                    self.round(self.random.choice(self.tenants), f"{self.number}-{round_number}")
        except BaseException as error:
            self.failure = error

    def round(self, live, tag: str) -> None:
        titles = lambda: list(Job.objects.values_list("title", flat=True))  # noqa: E731
        with scoped(live):
            self.check(live, titles(), "autocommit read")
            self.check(live, [job.title for job in Job.objects.iterator(chunk_size=2)], "iterator()")
            try:  # a failed statement in autocommit mode, then the next one
                with connections[live.alias].cursor() as cursor:
                    cursor.execute("SELECT 1/0")
            except Exception:
                pass
            self.check(live, titles(), "after a failed statement")

            with transaction.atomic(using=live.alias):
                job = job_create(title=f"{live.marker} committed {tag}", status="open")
                try:  # an IntegrityError rolls back to the savepoint
                    with transaction.atomic(using=live.alias):
                        Job.objects.create(**Job.objects.filter(pk=job.pk).values().get())
                except IntegrityError:
                    pass
                self.check(live, titles(), "after a savepoint rollback")
                neighbour = self.random.choice(self.tenants)
                if neighbour.alias == live.alias:  # another scope inside the same transaction
                    with scoped(neighbour):
                        self.check(neighbour, titles(), "another scope inside a transaction")
                    self.check(live, titles(), "back in the transaction's scope")
            self.committed[live.tenant.slug] = self.committed.get(live.tenant.slug, 0) + 1

            try:
                with transaction.atomic(using=live.alias):
                    job_create(title=f"{live.marker} rolled back {tag}")
                    raise Rollback
            except Rollback:
                pass
            self.check(live, titles(), "after a rollback")


def run_workers(bouncer, tenants, workers: int = 12, rounds: int = 12) -> list[Worker]:
    threads = [Worker(number, bouncer, tenants, rounds) for number in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for thread in threads:
        if thread.failure is not None:
            raise thread.failure
    return threads


def test_every_kind_of_transaction_keeps_its_tenant_behind_pgbouncer(pgbouncer, live_tenants):
    workers = run_workers(pgbouncer, live_tenants)

    problems = [problem for worker in workers for problem in worker.problems]
    assert not problems, f"{len(problems)} statements saw the wrong schema: {problems[:5]}"
    for live in live_tenants:
        with scoped(live):
            titles = list(Job.objects.values_list("title", flat=True))
        committed = sum(worker.committed.get(live.tenant.slug, 0) for worker in workers)
        assert sum("committed" in title for title in titles) == committed
        assert not [title for title in titles if "rolled back" in title or live.marker not in title]


def test_a_server_connection_without_our_scope_finds_no_tenant_table(pgbouncer, live_tenants):
    run_workers(pgbouncer, live_tenants, workers=6, rounds=4)  # every server connection has served tenants

    for alias in sorted({live.alias for live in live_tenants}):
        name = connections[alias].settings_dict["NAME"]
        # Two clients in open transactions hold both server connections of the pool at once.
        clients = [psycopg2.connect(pgbouncer.url(name)) for _ in range(2)]
        try:
            backends = set()
            for client in clients:
                with client.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid(), current_setting('search_path')")
                    pid, search_path = cursor.fetchone()
                    backends.add(pid)
                    assert search_path == "tenantry_unscoped"
            assert len(backends) == 2
            for client in clients:
                for live in live_tenants:
                    with client.cursor() as cursor:
                        cursor.execute("SAVEPOINT probe")
                        with pytest.raises(psycopg2.errors.UndefinedTable):
                            cursor.execute("SELECT title FROM careers_job")
                        cursor.execute("ROLLBACK TO SAVEPOINT probe")
        finally:
            for client in clients:
                client.close()


def test_a_missing_scope_is_an_error_never_another_tenants_rows(pgbouncer, live_tenants):
    errors = []

    def unscoped_read():
        with through_pgbouncer(pgbouncer), context.activated(context.public_scope()):
            try:  # the router refuses tenant models here; a raw statement reaches the database
                with connections[settings.TENANT_DB_ALIAS].cursor() as cursor:
                    cursor.execute("SELECT title FROM careers_job")
            except ProgrammingError as error:
                errors.append(str(error))

    thread = threading.Thread(target=unscoped_read)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "does not exist" in errors[0]


def manage(bouncer, *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=REPO, capture_output=True, text=True, timeout=300,
        env={**os.environ, **server_environment(bouncer)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_management_commands_run_through_pgbouncer(pgbouncer, live_tenants):
    slug = f"{live_tenants[0].tenant.slug}-cli"
    created = json.loads(manage(pgbouncer, "tenants", "create", slug, "--name", "Through pgbouncer",
                                "--database", "dedicated", "--json"))
    try:
        assert created["database"] == "dedicated"
        manage(pgbouncer, "tenants", "migrate")
        listed = {row["slug"]: row for row in json.loads(manage(pgbouncer, "tenants", "list", "--json"))}
        assert {slug, *(live.tenant.slug for live in live_tenants)} <= set(listed)
        assert listed[slug]["schema"] == f"tenant_{slug.replace('-', '_')}"
    finally:
        manage(pgbouncer, "tenants", "delete", slug, "--yes")
    assert slug not in {row["slug"] for row in json.loads(manage(pgbouncer, "tenants", "list", "--json"))}
