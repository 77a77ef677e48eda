"""Fleet migrations: the control plane, every database's template, every tenant schema.

``fleet_migrate`` plans once (the graph loaded once, every schema's state read in bulk),
migrates each database's template first (Django's executor, collecting each migration's SQL),
then replays that SQL on the tenants behind, in parallel, one transaction per schema. A
tenant that fails is recorded and the run goes on. ``fleet_check`` only reads.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from io import StringIO
from typing import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, transaction

from fleet import selectors
from fleet.apply import (SchemaOutcome, schema_migrate_fast, schemas_mark, template_mark,
                         template_migrate_collecting, template_post_migrate)
from fleet.graph import Plan, Step, plan_load
from fleet.ledger import ledger_ensure, ledger_read
from fleet.runner import interleaved, run_bounded
from fleet.selectors import ABSENT, Target
from fleet.summary import FleetCheck, FleetSummary
from tenancy import context
from tenants.schemas import database_fail_closed
from tenants.template_schema import TEMPLATE_SCHEMA


@dataclass(frozen=True)
class FleetEvent:
    """What a progress callback receives: a stage line, the start of the tenant phase, or a
    schema finished (``outcome``). Counts are of the tenant phase."""

    kind: str  # "stage", "start", "schema", "done"
    message: str = ""
    total: int = 0
    done: int = 0
    failed: int = 0
    outcome: SchemaOutcome | None = None


Progress = Callable[[FleetEvent], None]


@dataclass
class _Work:
    target: Target
    pending: list[Step]
    create_ledger: bool = False


def fleet_check(*, verify: bool = False) -> FleetCheck:
    """How many schemas are behind, per database; nothing is written. ``verify``: read every
    schema's ``django_migrations`` rather than trust the fleet's markers."""
    started = time.monotonic()
    labels = plan_load().labels
    check = FleetCheck()
    for alias in [settings.TENANT_DB_ALIAS, *selectors.mapped_aliases()]:
        check.databases_behind[alias] = len(selectors.database_missing(alias=alias, labels=labels))
    targets = _targets_or_none()
    for alias in selectors.fleet_aliases():
        names = [t.schema_name for t in targets if t.alias == alias]
        missing = selectors.schemas_missing(alias=alias, schema_names=[TEMPLATE_SCHEMA, *names],
                                            labels=labels, verify=verify)
        if TEMPLATE_SCHEMA in missing:
            check.templates_behind.append(alias)
        check.schemas[alias] = len(names)
        check.behind[alias] = sum(1 for name in names if name in missing)
        check.missing_schemas += [t.name for t in targets
                                  if t.alias == alias and missing.get(t.schema_name) == ABSENT]
    check.seconds = time.monotonic() - started
    return check


def fleet_migrate(*, parallel: int | None = None, canary: int | None = None,
                  tenants: list[str] | None = None, progress: Progress | None = None,
                  stop: threading.Event | None = None, verify: bool = False) -> FleetSummary:
    """Migrate everything; return what happened (``summary.ok`` is False if a tenant failed).

    ``canary``: the templates and the first N tenants behind, then stop (a later run does the
    rest). ``tenants``: only these slugs. ``progress`` is called in the calling thread.
    ``verify``: read every schema's rows rather than trust the fleet's markers.
    """
    started = time.monotonic()
    emit = progress or (lambda event: None)
    parallel = (os.cpu_count() or 1) if parallel is None else parallel
    if parallel < 1 or (canary is not None and canary < 0):
        raise ValidationError("--parallel must be at least 1 and --canary at least 0.")
    if tenants is not None:
        _check_slugs(tenants)
    plan = plan_load()
    summary = FleetSummary()

    with context.activated(context.public_scope()):
        summary.control_plane.update(_migrate_databases([settings.TENANT_DB_ALIAS], plan, emit))
        templates_ok = _migrate_templates(plan, summary, emit)
        summary.control_plane.update(_migrate_databases(selectors.mapped_aliases(), plan, emit))

        targets = selectors.fleet_targets()
        # Interleaved across databases: a canary meets every database, not only the first.
        work = interleaved(_plan_tenants(targets, plan, summary, templates_ok, verify),
                           lambda item: item.target.alias)
        chosen = work
        if tenants is not None:
            chosen = [item for item in work if item.target.slug in set(tenants)]
        if canary is not None:
            chosen = chosen[:canary]
            summary.stopped_after_canary = True
        chosen_ids = {id(item) for item in chosen}
        for item in work:
            if id(item) not in chosen_ids:
                summary.database(item.target.alias).skipped += 1
        _migrate_tenants(chosen, plan, summary, emit, parallel, stop)

        if tenants is None and canary is None:
            # Tenants provisioned while this ran were cloned from the migrated template, or
            # migrated on creation; one more bulk read catches any that were not.
            seen = {target.schema_name for target in targets}
            late = [t for t in selectors.fleet_targets() if t.schema_name not in seen]
            if late:
                extra = _plan_tenants(late, plan, summary, templates_ok)
                _migrate_tenants(extra, plan, summary, emit, parallel, stop)
    summary.seconds = time.monotonic() - started
    emit(FleetEvent("done", _done_message(summary), done=len(summary.outcomes),
                    failed=len(summary.failures)))
    return summary


def _check_slugs(slugs: list[str]) -> None:
    known = {t.slug for t in _targets_or_none()}
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise ValidationError(f"No tenant with slug {', '.join(map(repr, unknown))}.", code="unknown")


def _targets_or_none() -> list[Target]:
    try:
        with transaction.atomic(using=settings.TENANT_DB_ALIAS):  # a caller's transaction survives
            return selectors.fleet_targets()
    except DatabaseError:  # a fresh database: no registry table yet, so no tenants
        return []


def _migrate_databases(aliases: list[str], plan: Plan, emit: Progress) -> dict[str, int]:
    """The control plane and mapped apps' databases: Django's own migrate, output kept quiet."""
    applied = {}
    for alias in aliases:
        missing = selectors.database_missing(alias=alias, labels=plan.labels)
        if missing:
            call_command("migrate", database=alias, interactive=False, verbosity=0, stdout=StringIO())
        elif alias in selectors.fleet_aliases():
            database_fail_closed(alias)  # what our migrate does after Django's, kept when skipped
        applied[alias] = len(missing)
        emit(FleetEvent("stage", f"database {alias}: {len(missing)} migration(s) applied"))
    return applied


def _migrate_templates(plan: Plan, summary: FleetSummary, emit: Progress) -> set[str]:
    """Each tenant database's template, first; returns the aliases whose template is current."""
    current = set()
    for alias in selectors.fleet_aliases():
        if alias != settings.TENANT_DB_ALIAS:
            database_fail_closed(alias)
        ledger_ensure(alias=alias)
        missing = selectors.schemas_missing(alias=alias, schema_names=[TEMPLATE_SCHEMA],
                                            labels=plan.labels, verify=True)
        if TEMPLATE_SCHEMA not in missing:
            if not selectors.schema_marked(alias=alias, schema_name=TEMPLATE_SCHEMA, marker=plan.marker):
                # Migrated by Django's migrate, or a run stopped before the template's
                # post_migrate (content types, permissions, which clones copy): do it, then mark.
                template_post_migrate(alias=alias)
                template_mark(alias=alias, plan=plan)
            emit(FleetEvent("stage", f"template on {alias}: current"))
            current.add(alias)
            continue
        pending = missing[TEMPLATE_SCHEMA]
        try:
            outcome = template_migrate_collecting(
                alias=alias, plan=plan, missing=pending if isinstance(pending, list) else None)
        except Exception as error:  # noqa: BLE001 - the other databases go on
            outcome = SchemaOutcome(target=selectors.template_target(alias), attempts=1,
                                    error=f"{type(error).__name__}: {' '.join(str(error).split())}")
            summary.outcomes.append(outcome)
            emit(FleetEvent("stage", f"template on {alias} FAILED, its tenants are left as they "
                                     f"are: {outcome.error}"))
            continue
        summary.database(alias).template_applied = len(outcome.applied)
        current.add(alias)
        emit(FleetEvent("stage", f"template on {alias}: {len(outcome.applied)} migration(s) applied "
                                 f"in {outcome.seconds:.1f} s"))
    return current


def _plan_tenants(targets: list[Target], plan: Plan, summary: FleetSummary,
                  templates_ok: set[str], verify: bool = False) -> list[_Work]:
    work: list[_Work] = []
    for alias in selectors.fleet_aliases():
        on_alias = [t for t in targets if t.alias == alias]
        db = summary.database(alias)
        db.schemas += len(on_alias)
        if not on_alias:
            continue
        unmarked: set[str] = set()
        missing = selectors.schemas_missing(alias=alias, schema_names=[t.schema_name for t in on_alias],
                                            labels=plan.labels, verify=verify, unmarked=unmarked)
        schemas_mark(alias=alias, schema_names=sorted(unmarked), plan=plan)
        for target in on_alias:
            state = missing.get(target.schema_name, [])
            if state == []:
                db.current += 1
            elif alias not in templates_ok:
                db.skipped += 1
            elif state == ABSENT:
                summary.outcomes.append(SchemaOutcome(target=target, error="schema does not exist "
                                                      "(see tenants doctor)"))
                db.failed += 1
            else:
                work.append(_Work(target, plan.steps if state is None else plan.pending(state),
                                  create_ledger=state is None))
    return work


def _migrate_tenants(work: list[_Work], plan: Plan, summary: FleetSummary, emit: Progress,
                     parallel: int, stop: threading.Event | None) -> None:
    if not work:
        emit(FleetEvent("start", "tenants: none behind", total=0))
        return
    collected = {}
    for alias in {item.target.alias for item in work}:
        steps = {step.key: step for item in work if item.target.alias == alias for step in item.pending}
        collected[alias] = ledger_read(alias=alias, steps=list(steps.values()))
    lock_timeout = float(getattr(settings, "FLEET_LOCK_TIMEOUT", 2.0))
    retries = int(getattr(settings, "FLEET_LOCK_RETRIES", 3))
    per_alias = max(1, min(parallel, int(getattr(settings, "FLEET_CONNECTIONS_PER_DATABASE", 8))))
    counts = {"done": 0, "failed": 0}
    finished: set[int] = set()
    emit(FleetEvent("start", f"tenants: {len(work)} behind", total=len(work)))

    def work_one(item: _Work) -> SchemaOutcome:
        return schema_migrate_fast(target=item.target, plan=plan, pending=item.pending,
                                   collected=collected[item.target.alias], lock_timeout=lock_timeout,
                                   retries=retries, create_ledger=item.create_ledger)

    def done(item: _Work, outcome: SchemaOutcome) -> None:
        summary.outcomes.append(outcome)
        finished.add(id(item))
        db = summary.database(item.target.alias)
        db.seconds += outcome.seconds
        counts["done"] += 1
        if outcome.failed:
            db.failed += 1
            counts["failed"] += 1
        else:
            db.migrated += 1
        emit(FleetEvent("schema", total=len(work), done=counts["done"], failed=counts["failed"],
                        outcome=outcome))

    run_bounded(work, work=work_one, alias_of=lambda item: item.target.alias, parallel=parallel,
                per_alias=per_alias, done=done, stop=stop)
    for item in work:
        if id(item) not in finished:  # stopped before it started
            summary.database(item.target.alias).skipped += 1


def _done_message(summary: FleetSummary) -> str:
    data = summary.as_dict()
    text = (f"{data['migrated']} tenant schema(s) migrated, {len(data['failed'])} failed, "
            f"{data['skipped']} left for a later run, in {summary.seconds:.1f} s")
    if summary.failures:
        text += "; failed: " + ", ".join(o.target.name for o in summary.failures[:20])
    return text
