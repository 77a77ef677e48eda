"""SQL collected from the template schema, kept on each database beside the template.

A table in a schema of its own on each database (``tenantry_fleet``, no tenant's and not
``public``), written in the same transaction as the template's
migration: a run killed after the template moved on still finds the SQL for the tenants
(``--canary``, resume). Keyed by the migration's source checksum, so an edited migration is
never replayed from stale SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections

from fleet.graph import Step
from tenancy import context

SCHEMA = "tenantry_fleet"
TABLE = f"{SCHEMA}.collected_sql"


@dataclass(frozen=True)
class Collected:
    label: str
    statements: str  # the whole migration, ready to run in a tenant's search path


def ledger_ensure(*, alias: str) -> None:
    with context.activated(context.public_scope()), connections[alias].cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (app text NOT NULL, name text NOT NULL, "
            "checksum text NOT NULL, statements text NOT NULL, "
            "collected timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (app, name, checksum))"
        )


def ledger_store(*, alias: str, step: Step, statements: list[str]) -> None:
    """Call inside the transaction that migrates the template."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (app, name, checksum, statements) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (app, name, checksum) DO UPDATE SET statements = EXCLUDED.statements, "
            "collected = now()",
            [*step.key, step.checksum, "\n".join(statements)],
        )


def ledger_read(*, alias: str, steps: list[Step]) -> dict[tuple[str, str], Collected]:
    """The collected SQL of these steps, where it was collected from the same source."""
    wanted = {(*step.key, step.checksum): step for step in steps if step.replayable}
    if not wanted:
        return {}
    with context.activated(context.public_scope()), connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT app, name, checksum, statements FROM {TABLE} "
                       "WHERE app || '.' || name = ANY(%s)", [[step.label for step in wanted.values()]])
        rows = cursor.fetchall()
    return {
        (app, name): Collected(label=f"{app}.{name}", statements=statements)
        for app, name, checksum, statements in rows
        if (app, name, checksum) in wanted
    }
