"""``manage.py tenants operations ...``: list, show and start background operations (thin).

    tenants operations [--json]                   the newest operations
    tenants operations show ID [--json]           one operation
    tenants operations cancel ID                  stop it (a running one at its next step)
    tenants operations start KIND [--tenant SLUG] [--async] [--json]
                                                  waits for it (exit 1 if it failed) unless --async
"""

from __future__ import annotations

import json
import time

from django.core.management.base import CommandError

from operations import kinds, selectors, services
from operations.models import Operation
from tenants import selectors as tenant_selectors
from tenants.models import Tenant

WAIT_POLL_SECONDS = 0.5


def add_parser(sub) -> None:
    parser = sub.add_parser("operations", help="Background operations: list, show, start.")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--limit", type=int, default=50)
    actions = parser.add_subparsers(dest="operations_action", metavar="SUBACTION")
    show = actions.add_parser("show", help="One operation, with its progress and message.")
    show.add_argument("operation_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true")
    cancel = actions.add_parser("cancel", help="Cancel a queued or running operation.")
    cancel.add_argument("operation_id", type=int, metavar="ID")
    start = actions.add_parser("start", help="Start an operation (see the kinds in --help).")
    start.add_argument("kind", help="One of: " + ", ".join(kind.name for kind in kinds.registered()))
    start.add_argument("--tenant", default=None, help="The organization it works on.")
    start.add_argument("--async", dest="run_async", action="store_true",
                       help="Hand it to the workers and return at once.")
    start.add_argument("--json", action="store_true")


def handle(command, *, operations_action=None, json=False, **options) -> None:
    if operations_action == "show":
        _show(command, operation_id=options["operation_id"], as_json=json)
    elif operations_action == "cancel":
        op = _get(options["operation_id"])
        if not services.operation_cancel(operation=op):
            raise CommandError(f"Operation #{op.pk} is already {op.state}.")
        command.stdout.write(f"Operation #{op.pk} cancelled (a running one stops at its next step).")
    elif operations_action == "start":
        _start(command, kind=options["kind"], slug=options["tenant"],
               run_async=options["run_async"], as_json=json)
    else:
        _list(command, limit=options.get("limit") or 50, as_json=json)


def _list(command, *, limit: int, as_json: bool) -> None:
    operations = list(selectors.operations_list(limit=limit))
    if as_json:
        command.stdout.write(json_dumps([selectors.operation_as_dict(op) for op in operations]))
        return
    command.stdout.write(f"{'ID':>6} {'KIND':<24} {'TENANT':<20} {'STATE':<10} {'PROGRESS':<12} MESSAGE")
    for op in operations:
        progress = f"{op.done}/{op.total}" if op.total else str(op.done)
        command.stdout.write(f"{op.pk:>6} {op.kind:<24} {op.tenant_slug or '-':<20} {op.state:<10} "
                             f"{progress:<12} {op.message.splitlines()[0] if op.message else ''}")


def _get(operation_id: int) -> Operation:
    try:
        return selectors.operation_get(operation_id=operation_id)
    except Operation.DoesNotExist:
        raise CommandError(f"No operation #{operation_id}.") from None


def _show(command, *, operation_id: int, as_json: bool) -> None:
    op = _get(operation_id)
    if as_json:
        command.stdout.write(json_dumps(selectors.operation_as_dict(op)))
        return
    for key, value in selectors.operation_as_dict(op).items():
        command.stdout.write(f"{key:>13}: {'' if value is None else value}")


def _start(command, *, kind: str, slug: str | None, run_async: bool, as_json: bool) -> None:
    try:
        spec = kinds.get(kind)
    except LookupError as error:
        raise CommandError(str(error)) from None
    try:
        tenant = tenant_selectors.tenant_get(slug=slug) if slug else None
    except Tenant.DoesNotExist:
        raise CommandError(f"No tenant with slug {slug!r}.") from None
    if spec.per_tenant and tenant is None:
        raise CommandError(f"{spec.label} needs --tenant SLUG.")
    started = services.operation_start(kind=spec.name, tenant=tenant, requested_by="cli")
    (command.stderr if started.sent is False else command.stdout).write(started.notice)
    if run_async or started.sent is False:
        if as_json:
            command.stdout.write(json_dumps(selectors.operation_as_dict(started.operation)))
        return
    op = _wait(started.operation.pk)
    if as_json:
        command.stdout.write(json_dumps(selectors.operation_as_dict(op)))
    if op.state != Operation.State.SUCCEEDED:
        raise CommandError(f"Operation #{op.pk} {op.state}: {op.message}")
    command.stdout.write(f"Operation #{op.pk} succeeded: {op.message} {op.result or ''}".rstrip())


def _wait(operation_id: int) -> Operation:
    while True:  # ends when a worker finishes it; the sweeper fails one that is lost
        op = _get(operation_id)
        if op.is_finished:
            return op
        time.sleep(WAIT_POLL_SECONDS)


def json_dumps(value) -> str:
    return json.dumps(value, indent=2, default=str)
