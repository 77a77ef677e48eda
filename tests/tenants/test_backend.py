"""The search path travels with each statement or transaction; nothing is left on the server."""

import psycopg2
import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django_tenants.utils import schema_context, tenant_context

from careers.models import Job
from careers.services import job_create
from tenancy import context
from tenants.schemas import UNSCOPED_SEARCH_PATH


def show_search_path() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return cursor.fetchone()[0]


def server_search_path() -> str:
    """The server connection's own setting, read past our cursor (no SET LOCAL)."""
    with connection.connection.cursor() as raw:
        raw.execute("SHOW search_path")
        return raw.fetchone()[0]


@pytest.fixture
def acme_and_globex(make_tenant, in_tenant):
    acme, globex = make_tenant("acme"), make_tenant("globex")
    with in_tenant(acme):
        job_create(title="Acme job")
    with in_tenant(globex):
        job_create(title="Globex job")
    return acme, globex


@pytest.mark.django_db(transaction=True)
def test_autocommit_statements_carry_the_scope_and_leave_nothing_behind(acme_and_globex):
    acme, globex = acme_and_globex
    connection.close()  # a fresh session: the database's own default applies
    with tenant_context(acme):
        assert show_search_path() == 'tenant_acme, public'
        assert list(Job.objects.values_list("title", flat=True)) == ["Acme job"]
        assert server_search_path() == UNSCOPED_SEARCH_PATH  # SET LOCAL died with its statement
    with tenant_context(globex):
        assert list(Job.objects.values_list("title", flat=True)) == ["Globex job"]
    assert show_search_path() == "public"


@pytest.mark.django_db(transaction=True)
def test_a_statement_without_our_scope_finds_no_table(acme_and_globex):
    connection.close()
    connection.ensure_connection()
    with pytest.raises(psycopg2.errors.UndefinedTable):
        with connection.connection.cursor() as raw:
            raw.execute("SELECT count(*) FROM careers_job")
    connection.connection.rollback()
    with pytest.raises(psycopg2.errors.UndefinedTable):
        with connection.connection.cursor() as raw:
            raw.execute("SELECT count(*) FROM tenants_tenant")


@pytest.mark.django_db(transaction=True)
def test_transactions_savepoints_and_rollbacks_keep_the_right_schema(acme_and_globex):
    acme, globex = acme_and_globex
    with tenant_context(acme), transaction.atomic():
        job_create(title="Inside a transaction")
        try:
            with transaction.atomic():
                with tenant_context(globex):
                    job_create(title="Globex, rolled back")
                    assert show_search_path() == 'tenant_globex, public'
                    raise RuntimeError
        except RuntimeError:
            pass
        # The savepoint rollback undid globex's SET LOCAL too: acme's path is set again.
        assert show_search_path() == 'tenant_acme, public'
        assert Job.objects.filter(title="Inside a transaction").exists()
    with tenant_context(globex):
        assert not Job.objects.filter(title="Globex, rolled back").exists()
        assert list(Job.objects.values_list("title", flat=True)) == ["Globex job"]
    with tenant_context(acme):
        assert Job.objects.filter(title="Inside a transaction").exists()


@pytest.mark.django_db(transaction=True)
def test_iterator_runs_without_server_side_cursors(acme_and_globex):
    acme, _ = acme_and_globex
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    with tenant_context(acme):
        assert [job.title for job in Job.objects.iterator(chunk_size=1)] == ["Acme job"]


@pytest.mark.django_db
def test_schema_context_and_tenant_context_nest_and_restore(acme_and_globex):
    acme, globex = acme_and_globex
    with schema_context("tenant_acme"):
        assert context.current_scope().schema_name == "tenant_acme"
        with tenant_context(globex):
            assert list(Job.objects.values_list("title", flat=True)) == ["Globex job"]
        assert list(Job.objects.values_list("title", flat=True)) == ["Acme job"]
    assert context.current_scope().is_public
    assert not User.objects.exists()  # public users, not a tenant's


@pytest.mark.django_db(transaction=True)
def test_the_async_orm_runs_in_the_tenant_of_its_caller(acme_and_globex):
    """The async ORM runs queries in a worker thread: the scope (a context variable) goes along."""
    import asyncio

    from asgiref.sync import sync_to_async
    from django.db import connections

    acme, globex = acme_and_globex

    async def titles():
        return [job.title async for job in Job.objects.all()]

    async def both_tenants_at_once():
        async def in_scope(tenant):
            with context.activated(context.scope_for_tenant(tenant)):
                return await titles()

        try:
            return await asyncio.gather(in_scope(acme), in_scope(globex))
        finally:
            await sync_to_async(connections.close_all)()  # the worker thread's connection

    assert asyncio.run(both_tenants_at_once()) == [["Acme job"], ["Globex job"]]
