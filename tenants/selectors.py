from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import DatabaseError, connections, transaction
from django.db.models import Q, QuerySet

from tenants.models import Tenant
from tenancy.schema_names import check_schema_name

logger = logging.getLogger(__name__)


def tenant_get(*, slug: str) -> Tenant:
    return Tenant.objects.get(slug=slug)


def tenant_list(*, search: str = "", status: str = "", database_alias: str = "") -> QuerySet[Tenant]:
    """Tenants by slug; ``search`` matches name, slug or any of their domains."""
    tenants = Tenant.objects.prefetch_related("domains").order_by("slug")
    if search := search.strip():
        matching = Q(name__icontains=search) | Q(slug__icontains=search)
        matching |= Q(domains__domain__icontains=search)
        tenants = tenants.filter(pk__in=Tenant.objects.filter(matching).values("pk"))
    if status:
        tenants = tenants.filter(status=status)
    if database_alias:
        tenants = tenants.filter(database_alias=database_alias)
    return tenants


@dataclass(frozen=True)
class TenantSize:
    staff_users: int
    jobs: int
    open_jobs: int


def tenant_sizes(*, tenants: Iterable[Tenant]) -> dict[int, TenantSize | None]:
    """Active staff users and jobs, read from each tenant's own schema, keyed by tenant id.

    One query per database alias (a UNION over the schemas on it); a tenant whose schema
    cannot be read maps to None, so one broken tenant does not hide the others' figures.
    """
    by_alias: dict[str, list[Tenant]] = {}
    for tenant in tenants:
        by_alias.setdefault(tenant.database_alias, []).append(tenant)
    sizes: dict[int, TenantSize | None] = {}
    for alias, group in by_alias.items():
        try:
            sizes.update(_sizes_on(alias, group))
        except DatabaseError:
            for tenant in group:  # find the one that failed, keep the rest
                try:
                    sizes.update(_sizes_on(alias, [tenant]))
                except DatabaseError as error:
                    logger.warning("sizes of tenant %s unavailable: %s", tenant.slug, error)
                    sizes[tenant.pk] = None
    return sizes


def _sizes_on(alias: str, tenants: list[Tenant]) -> dict[int, TenantSize]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    user_model, job_model = apps.get_model("auth", "User"), apps.get_model("careers", "Job")

    def column(model, name):
        return quote(model._meta.get_field(name).column)

    selects, params = [], []
    for tenant in tenants:
        check_schema_name(tenant.schema_name)  # written into SQL: plain identifiers only
        users = f"{quote(tenant.schema_name)}.{quote(user_model._meta.db_table)}"
        jobs = f"{quote(tenant.schema_name)}.{quote(job_model._meta.db_table)}"
        selects.append(
            f"SELECT %s, (SELECT count(*) FROM {users} WHERE {column(user_model, 'is_staff')} "
            f"AND {column(user_model, 'is_active')}), (SELECT count(*) FROM {jobs}), "
            f"(SELECT count(*) FROM {jobs} WHERE {column(job_model, 'status')} = %s)"
        )
        params += [tenant.pk, job_model.Status.OPEN]
    with transaction.atomic(using=alias), connection.cursor() as cursor:  # a savepoint if nested
        cursor.execute(" UNION ALL ".join(selects), params)
        return {pk: TenantSize(staff, jobs, open_jobs) for pk, staff, jobs, open_jobs in cursor}


@dataclass(frozen=True)
class DatabaseUsage:
    alias: str
    tenants: int
    active: int
    tenant_bytes: int | None  # the tenants' schemas together; None when the database is down
    database_bytes: int | None


def database_usage() -> list[DatabaseUsage]:
    """Every tenant database: how many tenants it holds and how big they are."""
    from django.db.models import Count

    from tenants.placement import tenant_database_aliases

    counts = {row["database_alias"]: row for row in Tenant.objects.values("database_alias").annotate(
        total=Count("pk"), active=Count("pk", filter=Q(status=Tenant.Status.ACTIVE)))}
    usage = []
    for alias in tenant_database_aliases():
        row = counts.get(alias, {"total": 0, "active": 0})
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0), pg_database_size(current_database()) "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname LIKE 'tenant\\_%%' AND c.relkind IN ('r', 'm', 't')")
                tenant_bytes, database_bytes = cursor.fetchone()
        except DatabaseError as error:
            logger.warning("size of database %s unavailable: %s", alias, error)
            tenant_bytes = database_bytes = None
        usage.append(DatabaseUsage(alias, row["total"], row["active"], tenant_bytes, database_bytes))
    return usage
