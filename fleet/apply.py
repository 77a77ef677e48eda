"""Migrating one schema: the template (Django's executor, SQL collected) or a tenant (replay).

A tenant's pending migrations run in one transaction with ``SET LOCAL search_path`` (the
backend), ``SET LOCAL lock_timeout`` and each migration's ``django_migrations`` row, so a kill at
any moment leaves the schema exactly where it was or fully migrated. A migration with
``RunPython`` (or non-atomic, or a squash) runs through Django's own code for that schema.
"""

from __future__ import annotations

import random
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.apps import apps as global_apps
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate
from django_tenants.postgresql_backend.base import FakeTenant

from fleet.graph import Plan, Step
from fleet.ledger import Collected, ledger_store
from fleet.selectors import Target
from tenancy import context
from tenants import template_schema

# Lock not available (lock_timeout), deadlock, serialization: worth another attempt later.
RETRYABLE = {"55P03", "40P01", "40001"}


@dataclass
class SchemaOutcome:
    target: Target
    applied: list[str] = field(default_factory=list)
    replayed: int = 0  # migrations applied from collected SQL
    executed: int = 0  # migrations applied by Django's executor (RunPython and the like)
    attempts: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def as_dict(self) -> dict:
        return {"tenant": self.target.slug, "schema": self.target.schema_name,
                "database": self.target.alias, "applied": self.applied, "replayed": self.replayed,
                "executed": self.executed, "attempts": self.attempts,
                "seconds": round(self.seconds, 4), "error": self.error}


def scope_of(target: Target) -> context.Scope:
    if target.slug is None:
        return template_schema.template_scope(target.alias)
    return context.Scope(target.schema_name, target.alias, FakeTenant(target.schema_name), True,
                         target.slug)


def template_migrate_collecting(*, alias: str, plan: Plan, missing: list[str] | None) -> SchemaOutcome:
    """Bring the alias's template up to date with Django's executor, one transaction per
    migration, collecting each replayable migration's SQL first (from the same state the
    tenants are in) and storing it in the same transaction."""
    target = Target(alias, template_schema.TEMPLATE_SCHEMA, None)
    outcome = SchemaOutcome(target=target, attempts=1)
    started = time.monotonic()
    connection = connections[alias]
    with context.activated(context.public_scope()), connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{template_schema.TEMPLATE_SCHEMA}"')
    pending = plan.steps if missing is None else plan.pending(missing)
    with context.activated(scope_of(target)):
        MigrationRecorder(connection).ensure_schema()
        state, previous = None, None
        for step in pending:
            number = plan.index[step.key]
            if previous is None or number != previous + 1:
                state = plan.state_before(step)
            atomic = transaction.atomic(using=alias) if step.migration.atomic else nullcontext()
            with atomic:
                if step.replayable:
                    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
                        step.migration.apply(state.clone(), editor, collect_sql=True)
                    ledger_store(alias=alias, step=step, statements=editor.collected_sql)
                state = _execute(connection, state, step)
            previous = number
            outcome.applied.append(step.label)
            outcome.executed += 1
        if pending:
            template_post_migrate(alias=alias)
        template_mark(alias=alias, plan=plan)
    template_schema.template_changed(alias)
    outcome.seconds = time.monotonic() - started
    return outcome


def schema_migrate_fast(*, target: Target, plan: Plan, pending: list[Step],
                        collected: dict[tuple[str, str], Collected], lock_timeout: float,
                        retries: int, backoff: float = 0.25,
                        create_ledger: bool = False) -> SchemaOutcome:
    """Apply ``pending`` to a tenant's schema; retry lock timeouts with backoff; never raise."""
    outcome = SchemaOutcome(target=target)
    started = time.monotonic()
    remaining = list(pending)
    while remaining:
        outcome.attempts += 1
        try:
            segments = _segments(remaining)
            for number, segment in enumerate(segments):
                _apply_segment(target, plan, segment, collected, lock_timeout, outcome,
                               create_ledger and not outcome.applied,
                               plan.marker if number == len(segments) - 1 else None)
                remaining = remaining[len(segment):]
        except DatabaseError as error:
            code = getattr(error.__cause__, "pgcode", None)
            if code in RETRYABLE and outcome.attempts <= retries:
                time.sleep(backoff * 2 ** (outcome.attempts - 1) * (1 + random.random()))
                continue
            outcome.error = _one_line(error)
            break
        except Exception as error:  # noqa: BLE001 - recorded, and the fleet goes on
            outcome.error = f"{type(error).__name__}: {_one_line(error)}"
            break
    outcome.seconds = time.monotonic() - started
    return outcome


def _segments(steps: list[Step]) -> list[list[Step]]:
    """Runs of atomic migrations share one transaction; a non-atomic migration stands alone."""
    segments: list[list[Step]] = []
    for step in steps:
        if step.migration.atomic and segments and segments[-1][-1].migration.atomic:
            segments[-1].append(step)
        else:
            segments.append([step])
    return segments


def _apply_segment(target, plan, segment, collected, lock_timeout, outcome, create_ledger,
                   marker) -> None:
    alias = target.alias
    connection = connections[alias]
    atomic = segment[0].migration.atomic
    done: list[Step] = []
    with context.activated(scope_of(target)):
        with transaction.atomic(using=alias) if atomic else nullcontext():
            with connection.cursor() as cursor:
                # The first statement of the transaction also carries SET LOCAL search_path.
                # No wait for the WAL flush at commit: a crash can only lose whole schemas'
                # migrations (each with its django_migrations rows), which a rerun applies again.
                settings_sql = (f"SET LOCAL lock_timeout = '{int(lock_timeout * 1000)}ms'; "
                                "SET LOCAL synchronous_commit = off")
                if not atomic:
                    settings_sql = f"SET lock_timeout = '{int(lock_timeout * 1000)}ms'"
                cursor.execute(settings_sql)
                if create_ledger:  # a schema made but never migrated: its own django_migrations
                    MigrationRecorder(connection).ensure_schema()
                for step in segment:
                    sql = collected.get(step.key)
                    if sql is not None:
                        cursor.execute(sql.statements + "\n" + _record_sql(step.key))
                    else:
                        _execute(connection, plan.state_before(step), step)
                    done.append(step)
                changed = {step.key[0] for step in segment if step.changes_models}
                if changed:
                    _post_migrate(alias, changed)
                if marker:  # every migration of the plan is in: say so in the catalog
                    cursor.execute(_marker_sql(target.schema_name, marker))
                if not atomic:
                    cursor.execute("RESET lock_timeout")
    for step in done:  # counted once committed
        outcome.applied.append(step.label)
        if step.key in collected:
            outcome.replayed += 1
        else:
            outcome.executed += 1


def _post_migrate(alias: str, app_labels: set[str]) -> None:
    """Django's post_migrate (content types, permissions), for the apps whose models changed
    only: the template already ran it for all, and every app costs queries per schema."""
    for label in sorted(app_labels):
        app_config = global_apps.get_app_config(label)
        if app_config.models_module is not None:
            post_migrate.send(sender=app_config, app_config=app_config, verbosity=0,
                              interactive=False, using=alias, apps=global_apps, plan=None)


def _execute(connection, state, step: Step):
    """Django's ``MigrationExecutor.apply_migration``, without loading the graph per schema."""
    migration = step.migration
    with connection.schema_editor(atomic=migration.atomic) as editor:
        state = migration.apply(state, editor)
    with connection.cursor() as cursor:
        # A squash is recorded as its parts (as Django does) and under its own name, so the
        # bulk state read sees it applied.
        for replaced in migration.replaces:
            cursor.execute(_record_sql(replaced))
        cursor.execute(_record_sql(step.key))
    return state


def _record_sql(key: tuple[str, str]) -> str:
    app, name = key  # checked identifiers (fleet.graph)
    return f"INSERT INTO django_migrations (app, name, applied) VALUES ('{app}', '{name}', now());"


def _marker_sql(schema_name: str, marker: str) -> str:
    return f"COMMENT ON SCHEMA \"{schema_name}\" IS '{marker}'"  # a checked name, a hex digest


def template_post_migrate(*, alias: str) -> None:
    """As Django's migrate: content types and permissions, which new tenants copy."""
    with context.activated(template_schema.template_scope(alias)):
        emit_post_migrate_signal(0, False, alias)
    template_schema.template_changed(alias)


def template_mark(*, alias: str, plan: Plan) -> None:
    """The template is current: its marker, which clones copy with its rows."""
    schemas_mark(alias=alias, schema_names=[template_schema.TEMPLATE_SCHEMA], plan=plan)


def schemas_mark(*, alias: str, schema_names: list[str], plan: Plan, batch: int = 200) -> None:
    """Schemas read as current (migrated before the markers, or by Django's migrate): marked,
    so the next check need not open their tables."""
    with context.activated(context.public_scope()), connections[alias].cursor() as cursor:
        for start in range(0, len(schema_names), batch):
            cursor.execute("; ".join(_marker_sql(name, plan.marker)
                                     for name in schema_names[start:start + batch]))


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:500]
