"""The tenant's scope travels with every Celery task.

Sending: a ``before_task_publish`` handler puts the current scope (tenant id, slug, schema,
alias) in a message header. Running: ``TenantTask.__call__`` looks the tenant up again through
``tenancy.directory`` (its placement *now*: a tenant moved since sending runs on its new
database), refuses a deleted or suspended tenant with a log line, and runs the task inside
``context.activated(...)``, whose reset leaves nothing behind for the next task. The lookup is
cached with the hosts (``tenancy.hosts``): the registry's version, bumped in the transaction of
every tenant change, is read at most every ``TENANT_HOSTS_CHECK_INTERVAL``, so a move or a
suspension reaches every worker within that interval, as it reaches every web worker.

Why not tenant-schemas-celery: it carries the schema name only and switches the ``default``
connection (``connection.set_tenant``); Tenantry's scope is a context variable that also needs
the database alias and the registry's verdict (active, suspended, gone) at run time.
Why ``__call__`` and not ``task_prerun``: Celery swallows exceptions raised by signal handlers,
so a handler could not stop a refused task; ``__call__`` also brackets eager runs.

Sending after commit: ``send_on_commit()``. If the broker does not take the message after
Celery's publish retries, the message is handed to the undelivered-message store registered by
the operations app (a durable row that its sweeper sends again), so nothing is lost.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from celery import Task
from celery.exceptions import Ignore
from celery.signals import before_task_publish
from django.db import transaction

from tenancy import context, hosts

logger = logging.getLogger(__name__)

HEADER = "tenantry_scope"  # {"tenant_id", "slug", "schema", "alias"}, absent for public


class TenantRefused(Exception):
    """The tenant a task was sent for is gone or suspended: the task does not run."""


def scope_header(scope: context.Scope) -> dict | None:
    if scope.is_public:
        return None
    return {
        "tenant_id": getattr(scope.tenant, "pk", None),  # None for a bare schema_context()
        "slug": scope.slug,
        "schema": scope.schema_name,
        "alias": scope.database_alias,
    }


@before_task_publish.connect(dispatch_uid="tenancy.tasks.scope_travels")
def _scope_travels(sender=None, headers=None, **kwargs) -> None:
    if headers is not None and HEADER not in headers:
        headers[HEADER] = scope_header(context.current_scope())


def scope_for_header(header: dict | None, *, allow_suspended: bool = False) -> context.Scope:
    """The scope a task runs in: its tenant as the registry has it now, or public."""
    if not header:
        return context.public_scope()
    tenant = hosts.tenant_of(tenant_id=header.get("tenant_id"), schema_name=header.get("schema"))
    if tenant is None or tenant.schema_name != header.get("schema"):
        raise TenantRefused(f"tenant {header.get('slug')!r} no longer exists")
    if not tenant.is_active and not allow_suspended:
        raise TenantRefused(f"tenant {header.get('slug')!r} is {tenant.status}")
    return context.scope_for_tenant(tenant)


class TenantTask(Task):
    """Every Tenantry task: runs in the scope it was sent from (see the module's docstring)."""

    # Housekeeping that must go on while a tenant is suspended (its audit delivery) says so.
    allow_suspended = False

    def __call__(self, *args, **kwargs):
        header = self._scope_header()
        try:
            with context.activated(context.public_scope()):  # the registry lives in public
                scope = scope_for_header(header, allow_suspended=self.allow_suspended)
        except TenantRefused as refusal:
            logger.warning("task %s[%s] refused: %s", self.name, self.request.id, refusal)
            raise Ignore() from None
        if header and scope.database_alias != header.get("alias"):
            logger.info("task %s[%s]: tenant %s moved from %s to %s since it was sent; "
                        "running on %s", self.name, self.request.id, scope.slug,
                        header.get("alias"), scope.database_alias, scope.database_alias)
        with context.activated(scope):
            return super().__call__(*args, **kwargs)

    def _scope_header(self) -> dict | None:
        request = self.request
        if request.is_eager:  # no message: the caller's scope is the one it was sent in
            return scope_header(context.current_scope())
        headers = request.headers or {}
        return headers.get(HEADER) if HEADER in headers else request.get(HEADER)


# --- Sending after commit, durably ---------------------------------------------------------

UndeliveredStore = Callable[..., Any]
_undelivered_store: UndeliveredStore | None = None
_said_eager = False
_import_lock = threading.Lock()


def register_undelivered_store(store: UndeliveredStore) -> None:
    """``store(task_name=, args=, kwargs=, headers=, error=)`` keeps a message the broker refused."""
    global _undelivered_store
    _undelivered_store = store


@dataclass(frozen=True)
class Sent:
    """How sending went: truthy when the broker took the message (or it ran eagerly)."""

    delivered: bool
    error: str | None = None  # eager mode only: the task's own failure, as the worker logs it

    def __bool__(self) -> bool:
        return self.delivered


def send(task_name: str, *, args: tuple = (), kwargs: dict | None = None,
         scope: context.Scope | None = None, keep_if_undelivered: bool = True) -> Sent:
    """Send ``task_name`` in ``scope`` (default: the current one) now; True if the broker took it.

    A broker still down after Celery's publish retries: with ``keep_if_undelivered`` the message
    goes to the durable store for the sweeper; either way False is returned, so the caller can
    say so. Without a broker (eager mode) the task runs here and now.
    """
    scope = scope or context.current_scope()
    return send_with_headers(task_name, args=args, kwargs=kwargs or {},
                             headers={HEADER: scope_header(scope)}, scope=scope,
                             keep_if_undelivered=keep_if_undelivered)


def send_with_headers(task_name: str, *, args: tuple = (), kwargs: dict | None = None,
                      headers: dict, scope: context.Scope | None = None,
                      keep_if_undelivered: bool = False) -> Sent:
    """Send with the scope header given (a message kept while the broker was down)."""
    from celery import current_app as app

    global _said_eager
    kwargs = kwargs or {}
    if app.conf.task_always_eager:
        if not _said_eager:
            _said_eager = True
            logger.info("CELERY_BROKER_URL is not set: background tasks run eagerly in this process.")
        if scope is None:
            with context.activated(context.public_scope()):
                scope = scope_for_header(headers.get(HEADER))
        if task_name not in app.tasks:  # imported at start-up (controlplane's ready()), else now
            with _import_lock:
                app.loader.import_default_modules()
        with context.activated(scope):
            result = app.tasks[task_name].apply(args=args, kwargs=kwargs)
        return Sent(True, str(result.result) if result.failed() else None)
    try:
        app.send_task(task_name, args=args, kwargs=kwargs, headers=headers, retry=True)
        return Sent(True)
    except Exception as error:  # kombu's OperationalError, socket errors...
        if not keep_if_undelivered:
            logger.warning("broker unreachable, task %s not sent now: %s", task_name, error)
            return Sent(False, f"{type(error).__name__}: {error}")
        if _undelivered_store is None:
            logger.error("task %s not sent and no durable store is installed: %s", task_name, error)
            raise
        logger.warning("broker unreachable (%s): task %s kept for the sweeper", error, task_name)
        _undelivered_store(task_name=task_name, args=list(args), kwargs=kwargs, headers=headers,
                           error=f"{type(error).__name__}: {error}")
        return Sent(False, f"{type(error).__name__}: {error}")


def send_on_commit(task_name: str, *, using: str, args: tuple = (), kwargs: dict | None = None,
                   on_sent: Callable[[Sent], None] | None = None) -> None:
    """Send the task once the current transaction on ``using`` commits (never for a rollback).

    The scope is the caller's, captured now: the commit may run in another one.
    """
    scope = context.current_scope()

    def after_commit():
        try:
            sent = send(task_name, args=args, kwargs=kwargs, scope=scope)
        except Exception as error:  # the action is committed: never fail it after the fact
            logger.exception("task %s not sent after commit", task_name)
            sent = Sent(False, f"{type(error).__name__}: {error}")
        if on_sent is not None:
            on_sent(sent)

    transaction.on_commit(after_commit, using=using)


