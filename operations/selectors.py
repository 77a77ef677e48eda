"""Reading operations (console, CLI) and the scope an operation runs in."""

from __future__ import annotations

from django.conf import settings

from operations import kinds
from operations.models import Operation
from tenancy import context
from tenants.models import Tenant


def operations_list(*, limit: int = 100, state: str | None = None):
    operations = Operation.objects.using(settings.TENANT_DB_ALIAS).all()
    if state:
        operations = operations.filter(state=state)
    return operations.order_by("-created", "-id")[:limit]


def operation_get(*, operation_id: int) -> Operation:
    return Operation.objects.using(settings.TENANT_DB_ALIAS).get(pk=operation_id)


def operation_as_dict(operation: Operation) -> dict:
    def when(value):
        return value.isoformat() if value else None

    return {
        "id": operation.pk,
        "kind": operation.kind,
        "tenant": operation.tenant_slug or None,
        "requested_by": operation.requested_by,
        "state": operation.state,
        "done": operation.done,
        "total": operation.total,
        "percent": operation.percent,
        "message": operation.message,
        "result": operation.result,
        "attempts": operation.attempts,
        "worker": operation.worker,
        "created": when(operation.created),
        "started": when(operation.started),
        "heartbeat": when(operation.heartbeat),
        "finished": when(operation.finished),
    }


def operation_scope(*, operation: Operation) -> context.Scope:
    """The tenant's scope as the registry has it now; PermissionError if it cannot run there.

    A kind that is not per tenant runs in ``public`` even when a tenant is recorded (a move
    is about a tenant, and works from the registry)."""
    if operation.tenant_id is None or not kinds.get(operation.kind).per_tenant:
        return context.public_scope()
    tenant = Tenant.objects.using(settings.TENANT_DB_ALIAS).filter(pk=operation.tenant_id).first()
    if tenant is None:
        raise PermissionError(f"Tenant {operation.tenant_slug!r} no longer exists.")
    if not tenant.is_active:
        raise PermissionError(f"Tenant {tenant.slug!r} is {tenant.status}: not run.")
    return context.scope_for_tenant(tenant)
