"""``tenants doctor``: find and repair what a killed create or delete left across two databases.

* a row ``provisioning`` (a create died between commits): undone, schema dropped and row
  removed, so the create can simply be run again;
* a row ``deleting`` (a delete died between commits): the delete is finished;
* a row whose schema is gone from its database: the row is removed (its data already is);
* a schema ``tenant_*`` on a tenant database that no row places there: dropped.

A create or delete still running holds its row locked: doctor leaves it alone and says so.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connections, transaction

from tenancy import context
from tenancy.hosts import hosts_changed
from tenancy.schema_names import PREFIX, check_schema_name
from tenants import placement, schemas
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    problem: str  # half_provisioned, half_deleted, schema_missing, orphan_schema, unreachable
    database_alias: str
    schema_name: str
    slug: str | None
    action: str  # what was done (or, in a dry run, what would be)
    repaired: bool

    def as_dict(self) -> dict:
        return asdict(self)


def tenants_doctor(*, dry_run: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    with context.activated(context.public_scope()):
        # Schemas first, rows second: a create commits its row before its schema, so a schema
        # seen here has a row visible below unless it really is an orphan.
        present: dict[str, set[str]] = {}
        for alias in placement.tenant_database_aliases():
            try:
                present[alias] = _tenant_schemas(alias)
            except DatabaseError as error:
                findings.append(Finding("unreachable", alias, "", None,
                                        f"left alone: {type(error).__name__}: {error}".strip(), False))
        rows = list(Tenant.objects.order_by("slug"))
        for tenant in rows:
            if tenant.database_alias not in present:
                continue
            has_schema = tenant.schema_name in present[tenant.database_alias]
            if tenant.status == Tenant.Status.ARCHIVED:
                continue  # no schema by design: its data is in its archive
            if tenant.status == Tenant.Status.PROVISIONING:
                findings.append(_repair_row(tenant, "half_provisioned",
                                            "create undone: schema dropped, row removed", dry_run))
            elif tenant.status == Tenant.Status.DELETING:
                findings.append(_repair_row(tenant, "half_deleted",
                                            "delete finished: schema dropped, row removed", dry_run))
            elif not has_schema:
                findings.append(_repair_row(tenant, "schema_missing",
                                            "row removed (its schema is gone)", dry_run))
        placed = {(tenant.database_alias, tenant.schema_name) for tenant in rows}
        # A move's destination copy is the mover's business (`tenants move --abort|--cleanup`).
        moving = {tenant.schema_name for tenant in rows if tenant.status == Tenant.Status.MOVING}
        for alias, names in present.items():
            for schema_name in sorted(names):
                if (alias, schema_name) not in placed and schema_name not in moving:
                    findings.append(_drop_orphan(alias, schema_name, dry_run))
    if any(finding.repaired for finding in findings):
        hosts_changed()
    return findings


def _tenant_schemas(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [PREFIX])
        return {name for (name,) in cursor.fetchall()}


def _repair_row(tenant: Tenant, problem: str, action: str, dry_run: bool) -> Finding:
    def finding(done: str, repaired: bool) -> Finding:
        return Finding(problem, tenant.database_alias, tenant.schema_name, tenant.slug, done, repaired)

    if dry_run:
        return finding(f"dry run, would be: {action}", False)
    with transaction.atomic(using=settings.TENANT_DB_ALIAS):
        # A create or delete in progress holds this row: skip it rather than wait or race.
        locked = (Tenant.objects.select_for_update(skip_locked=True)
                  .filter(pk=tenant.pk, status=tenant.status).exists())
        if not locked:
            return finding("left alone: a create or delete of it is in progress", False)
        with transaction.atomic(using=tenant.database_alias):
            schemas.schema_drop(tenant=tenant)
        Tenant.objects.filter(pk=tenant.pk).delete()
    logger.warning("tenants doctor: %s %s on %s: %s", problem, tenant.slug, tenant.database_alias, action)
    return finding(action, True)


def _drop_orphan(alias: str, schema_name: str, dry_run: bool) -> Finding:
    if dry_run:
        return Finding("orphan_schema", alias, schema_name, None, "dry run, would be: dropped", False)
    check_schema_name(schema_name)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        # The lock a create takes around this schema (tenants.schemas.schema_ensure).
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [schema_name])
        if Tenant.objects.filter(database_alias=alias, schema_name=schema_name).exists():
            return Finding("orphan_schema", alias, schema_name, None,
                           "left alone: a tenant row appeared for it meanwhile", False)
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE')
    logger.warning("tenants doctor: orphan schema %s on %s dropped", schema_name, alias)
    return Finding("orphan_schema", alias, schema_name, None, "dropped", True)
