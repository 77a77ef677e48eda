"""What an operation can be: a kind name and the function that does the work.

A runner is called in a worker as::

    runner(params=operation.params, progress=progress, resume_from=operation.done) -> result

- inside the operation's tenant scope (``tenancy.context``) when it has a tenant, else public;
- ``progress(done, total=None, message="")`` records how far it got (and raises
  ``OperationCancelled`` once the operation was cancelled);
- ``resume_from`` is the last ``done`` recorded: a worker killed mid-way is followed by another
  run with it, so steps must be idempotent and may skip what is done;
- the return value (JSON: a file name, counts...) is stored as the operation's result; an
  exception fails the operation with its message.

The fleet run (``fleet.services.fleet_migrate(..., progress=callable)``) is the kind
``fleet.migrate`` (``operations/fleet.py``), registered when the ``fleet`` package is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None, message: str = "") -> None: ...


Runner = Callable[..., Any]


class OperationCancelled(Exception):
    pass


@dataclass(frozen=True)
class Kind:
    name: str
    runner: Runner
    label: str
    per_tenant: bool  # needs a tenant (runs in its scope) or runs on the platform


_kinds: dict[str, Kind] = {}


def register(name: str, runner: Runner, *, label: str = "", per_tenant: bool = False) -> None:
    _kinds[name] = Kind(name=name, runner=runner, label=label or name, per_tenant=per_tenant)


def get(name: str) -> Kind:
    try:
        return _kinds[name]
    except KeyError:
        known = ", ".join(sorted(_kinds)) or "none"
        raise LookupError(f"No operation kind {name!r} (known: {known}).") from None


def registered() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda kind: kind.name)


def register_builtin() -> None:
    from operations import builtin, fleet, mobility

    register("audit.deliver", builtin.audit_deliver_everywhere_run,
             label="Deliver every waiting audit event to the audit database")
    register(mobility.MOVE, mobility.tenant_move_run, label="Move a tenant to another database")
    register(mobility.ARCHIVE, mobility.tenant_archive_run, label="Archive a tenant")
    if fleet.available():  # the fleet orchestrator is its own package
        register(fleet.KIND, fleet.fleet_migrate_run, label="Migrate the fleet (every tenant)")
