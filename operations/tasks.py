"""The operations' Celery tasks: the runner, the sweeper and the per-tenant fan-out (beat)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from operations import services
from tenancy import context, tasks
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@shared_task(name="operations.run", bind=True, max_retries=None)
def operation_run(self, operation_id: int) -> None:
    """Claim the operation and run it; a redelivered copy of a live run steps aside."""
    worker = f"{self.request.hostname or 'eager'}:{self.request.id}"
    try:
        operation = services.operation_claim(operation_id=operation_id, worker=worker)
    except services.Busy as busy:
        # A message delivered again after its worker was killed: the dead worker's heartbeat
        # must age past the threshold before this one may take over.
        logger.info("%s; looking again in a while", busy)
        raise self.retry(countdown=settings.OPERATIONS_STALE_SECONDS / 2 + 1)
    if operation is None:
        return
    services.operation_execute(operation=operation)


@shared_task(name="operations.sweep")
def operations_sweep() -> None:
    services.operations_sweep()


@shared_task(name="operations.fan_out")
def fan_out(task_name: str, kwargs: dict | None = None, include_public: bool = True,
            include_suspended: bool = False) -> int:
    """Beat runs in ``public``: send ``task_name`` once per tenant (active ones, unless told
    otherwise), in that tenant's scope."""
    sent = 0
    if include_public:
        sent += bool(tasks.send(task_name, kwargs=kwargs, scope=context.public_scope()))
    tenants = Tenant.objects.using(settings.TENANT_DB_ALIAS)
    if not include_suspended:
        tenants = tenants.filter(status=Tenant.Status.ACTIVE)
    for tenant in tenants.order_by("pk").iterator():
        sent += bool(tasks.send(task_name, kwargs=kwargs, scope=context.scope_for_tenant(tenant)))
    logger.info("%s sent to %d scope(s)", task_name, sent)
    return sent
