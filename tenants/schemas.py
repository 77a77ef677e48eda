"""PostgreSQL schemas of tenants: create, migrate, drop. Each on the tenant's own alias."""

from django.core.management import call_command
from django.db import connections

from tenancy import context
from tenants import template_schema
from tenants.models import Tenant
from tenancy.schema_names import check_schema_name

# The default search path of every database Tenantry uses: a schema that does not exist, so a
# statement that arrives without a tenant's scope finds no table at all (fail closed).
UNSCOPED_SEARCH_PATH = "tenantry_unscoped"


def schema_exists(*, schema_name: str, alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema_name])
        return cursor.fetchone() is not None


def schema_create(*, tenant: Tenant, verbosity: int = 0) -> None:
    """Create the tenant's schema on its alias with every tenant migration applied.

    A copy of the alias's template schema when ``tenants migrate`` keeps one current and it
    holds nothing a copy would miss; otherwise the migrations run one by one (slower, same result).
    """
    check_schema_name(tenant.schema_name)
    alias = tenant.database_alias
    if template_schema.template_ready(alias) and not template_schema.uncloneable(alias):
        template_schema.schema_clone(schema_name=tenant.schema_name, alias=alias)
        return
    with connections[tenant.database_alias].cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{tenant.schema_name}"')
    schema_migrate(tenant=tenant, verbosity=verbosity)


def schema_ensure(*, tenant: Tenant) -> bool:
    """``schema_create`` unless the schema is there already (a create that was killed after
    this step committed); call in a transaction on the tenant's alias. True if it created it."""
    check_schema_name(tenant.schema_name)
    with connections[tenant.database_alias].cursor() as cursor:
        # Two runs of the same create wait for each other here instead of both creating.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [tenant.schema_name])
    if schema_exists(schema_name=tenant.schema_name, alias=tenant.database_alias):
        return False
    schema_create(tenant=tenant)
    return True


def schema_migrate(*, tenant: Tenant, verbosity: int = 0, stdout=None) -> None:
    with context.activated(context.scope_for_tenant(tenant)):
        call_command(
            "migrate",
            database=tenant.database_alias,
            interactive=False,
            verbosity=verbosity,
            stdout=stdout,
        )


def schema_drop(*, tenant: Tenant) -> None:
    check_schema_name(tenant.schema_name)
    with connections[tenant.database_alias].cursor() as cursor:
        # Deferred foreign-key checks still pending in this transaction would block the drop.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'DROP SCHEMA IF EXISTS "{tenant.schema_name}" CASCADE')


def database_fail_closed(alias: str) -> None:
    """Point the database's default search path where no table is."""
    connection = connections[alias]
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{name}" SET search_path TO {UNSCOPED_SEARCH_PATH}')
