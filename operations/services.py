"""Operations: start one, claim it in a worker, record its progress, finish it, sweep stale ones.

Every state change is one conditional UPDATE on the primary, so two workers that got the same
operation (a redelivered message, a sweeper's resend) never both run it: one claims, the other
sees it taken and steps aside.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from operations import kinds
from operations.models import Operation
from tenancy import context, tasks

logger = logging.getLogger(__name__)

RUN_TASK = "operations.run"
UNDELIVERED_KIND = "task.undelivered"  # a plain task the broker refused, kept to send again


def _primary() -> str:
    return settings.TENANT_DB_ALIAS


def _operations():
    return Operation.objects.using(_primary())


@dataclass
class Started:
    operation: Operation
    sent: bool | None = None  # None until the commit; False: the broker was unreachable

    @property
    def notice(self) -> str:
        """What the console and the CLI tell the person who asked."""
        op = self.operation
        if self.sent is False:
            return (f"Operation #{op.pk} ({op.kind}) is recorded, but the task broker is "
                    "unreachable: it will start as soon as the broker is back. Nothing is lost.")
        return f"Operation #{op.pk} ({op.kind}) is queued for the workers."


def operation_start(*, kind: str, tenant=None, requested_by: str = "", params: dict | None = None
                    ) -> Started:
    """Record an operation and hand it to the workers once the record is committed."""
    spec = kinds.get(kind)
    if spec.per_tenant and tenant is None:
        raise ValueError(f"Operation {kind!r} needs a tenant.")
    started = Started(operation=None)  # type: ignore[arg-type]
    with context.activated(context.public_scope()), transaction.atomic(using=_primary()):
        operation = _operations().create(
            kind=kind, tenant_id=getattr(tenant, "pk", None),
            tenant_slug=getattr(tenant, "slug", ""), requested_by=requested_by[:150],
            params=params or {},
        )
        started.operation = operation

        def sent(outcome) -> None:
            started.sent = bool(outcome)
            _mark_sent(operation, bool(outcome))

        _send_on_commit(operation, on_sent=sent)
    return started


def _send_on_commit(operation: Operation, *, on_sent) -> None:
    # The row is its own durable record: a refused message is not stored again.
    transaction.on_commit(lambda: on_sent(tasks.send(
        RUN_TASK, kwargs={"operation_id": operation.pk}, scope=context.public_scope(),
        keep_if_undelivered=False)), using=_primary())


def _mark_sent(operation: Operation, ok: bool) -> None:
    now = timezone.now()
    if ok:
        _operations().filter(pk=operation.pk).update(sent=now)
    else:
        _operations().filter(pk=operation.pk, state=Operation.State.QUEUED).update(
            message="Waiting for the task broker (unreachable); the sweeper sends it again.")
        logger.warning("operation #%s (%s) waits for the task broker", operation.pk, operation.kind)


def undelivered_task_keep(*, task_name: str, args: list, kwargs: dict, headers: dict,
                          error: str) -> Operation:
    """A plain task the broker refused: kept as a queued row that ``operations_sweep`` resends."""
    header = headers.get(tasks.HEADER) or {}
    with context.activated(context.public_scope()):
        return _operations().create(
            kind=UNDELIVERED_KIND, tenant_id=header.get("tenant_id"),
            tenant_slug=header.get("slug") or "", requested_by="system",
            params={"task": task_name, "args": args, "kwargs": kwargs, "headers": headers},
            message=f"Waiting for the task broker ({error[:300]}).",
        )


# --- In the worker -------------------------------------------------------------------------

class Busy(Exception):
    """Another worker holds the operation and reported recently: try again later."""


def operation_claim(*, operation_id: int, worker: str) -> Operation | None:
    """Take the operation for this worker; None if there is nothing to do (finished, cancelled).

    A running operation whose worker stopped reporting (killed) is taken over; one that is
    still reported on raises ``Busy``.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OPERATIONS_STALE_SECONDS)
    rows = _operations().filter(pk=operation_id)
    claimable = Q(state=Operation.State.QUEUED) | Q(state=Operation.State.RUNNING,
                                                      heartbeat__lt=stale)
    taken = rows.filter(claimable, attempts__lt=settings.OPERATIONS_MAX_ATTEMPTS).update(
        state=Operation.State.RUNNING, attempts=F("attempts") + 1, worker=worker[:200],
        started=now, heartbeat=now, finished=None,
    )
    if taken:
        return rows.get()
    operation = rows.first()
    if operation is None or operation.is_finished:
        return None
    if operation.attempts >= settings.OPERATIONS_MAX_ATTEMPTS:
        operation_fail(operation=operation, reason=(
            f"Stopped after {operation.attempts} attempts: its worker was lost each time "
            f"(last: {operation.worker or 'unknown'})."))
        return None
    raise Busy(f"operation #{operation_id} is running on {operation.worker}")


def operation_progress(*, operation: Operation, done: int, total: int | None = None,
                       message: str = "") -> None:
    fields = {"done": done, "heartbeat": timezone.now()}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message[:2000]
    still_mine = _operations().filter(pk=operation.pk, state=Operation.State.RUNNING,
                                      worker=operation.worker).update(**fields)
    if not still_mine:
        raise kinds.OperationCancelled(f"operation #{operation.pk} was cancelled or taken over")
    operation.done = done
    if total is not None:
        operation.total = total


def operation_succeed(*, operation: Operation, result=None, message: str = "") -> None:
    _operations().filter(pk=operation.pk, state=Operation.State.RUNNING).update(
        state=Operation.State.SUCCEEDED, result=result, finished=timezone.now(),
        message=(message or "Done.")[:2000],
    )
    logger.info("operation #%s (%s) succeeded", operation.pk, operation.kind)


def operation_fail(*, operation: Operation, reason: str) -> None:
    _operations().filter(pk=operation.pk).exclude(state__in=Operation.FINISHED).update(
        state=Operation.State.FAILED, finished=timezone.now(), message=reason[:2000],
    )
    logger.error("operation #%s (%s) failed: %s", operation.pk, operation.kind, reason)


def operation_cancel(*, operation: Operation) -> bool:
    """Cancel a queued or running operation; its runner stops at its next progress report."""
    return bool(_operations().filter(pk=operation.pk).exclude(state__in=Operation.FINISHED).update(
        state=Operation.State.CANCELLED, finished=timezone.now(), message="Cancelled."))


class Heartbeat:
    """Reports the operation alive every few seconds while its worker process lives.

    A killed worker stops beating, so the sweeper (or a redelivered message) can tell a slow
    step from a dead worker.
    """

    def __init__(self, operation: Operation):
        self.operation = operation
        self.interval = max(0.5, settings.OPERATIONS_STALE_SECONDS / 4)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True,
                                        name=f"operation-{operation.pk}-heartbeat")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                _operations().filter(pk=self.operation.pk, state=Operation.State.RUNNING,
                                     worker=self.operation.worker).update(heartbeat=timezone.now())
        except Exception:
            logger.exception("operation #%s: heartbeat stopped", self.operation.pk)
        finally:
            connections.close_all()  # this thread's own connections


def operation_execute(*, operation: Operation) -> None:
    """Run a claimed operation's kind in its tenant's scope and record how it ended."""
    from operations.selectors import operation_scope

    try:
        kind = kinds.get(operation.kind)
        scope = operation_scope(operation=operation)
    except (LookupError, PermissionError) as error:
        operation_fail(operation=operation, reason=str(error))
        return

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        operation_progress(operation=operation, done=done, total=total, message=message)

    try:
        with Heartbeat(operation), context.activated(scope):
            result = kind.runner(params=operation.params, progress=progress,
                                 resume_from=operation.done)
    except kinds.OperationCancelled:
        logger.info("operation #%s stopped: cancelled or taken over", operation.pk)
        return
    except Exception as error:
        logger.exception("operation #%s (%s) raised", operation.pk, operation.kind)
        operation_fail(operation=operation, reason=f"{type(error).__name__}: {error}")
        return
    operation_succeed(operation=operation, result=result)


# --- The sweeper (beat) --------------------------------------------------------------------

@dataclass(frozen=True)
class Swept:
    resent: int
    requeued: int
    failed: int


def operations_sweep() -> Swept:
    """Send again what the broker never took; take back or fail what a lost worker left running."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.OPERATIONS_STALE_SECONDS)
    resend_before = now - timedelta(seconds=settings.OPERATIONS_REQUEUE_AFTER_SECONDS)
    resent = requeued = failed = 0

    lost = _operations().filter(state=Operation.State.RUNNING, heartbeat__lt=stale)
    for operation in lost:
        if operation.attempts >= settings.OPERATIONS_MAX_ATTEMPTS:
            operation_fail(operation=operation, reason=(
                f"Its worker ({operation.worker}) stopped reporting at "
                f"{operation.heartbeat:%H:%M:%S} and {operation.attempts} attempts are used up."))
            failed += 1
            continue
        if _operations().filter(pk=operation.pk, state=Operation.State.RUNNING,
                                heartbeat__lt=stale).update(
                state=Operation.State.QUEUED, sent=None,
                message=f"Worker {operation.worker} was lost; resuming from step {operation.done}."):
            logger.warning("operation #%s: worker %s lost, queued again", operation.pk,
                           operation.worker)
            requeued += 1
            resent += _resend(operation)

    waiting = _operations().filter(state=Operation.State.QUEUED).filter(
        Q(sent__isnull=True) | Q(sent__lt=resend_before)).filter(created__lt=resend_before)
    for operation in waiting.order_by("id")[:500]:
        if operation.kind == UNDELIVERED_KIND:
            resent += _undelivered_resend(operation)
            continue
        resent += _resend(operation)
    if resent or requeued or failed:
        logger.info("operations sweep: %d sent again, %d taken back from lost workers, %d failed",
                    resent, requeued, failed)
    return Swept(resent=resent, requeued=requeued, failed=failed)


def _resend(operation: Operation) -> int:
    _operations().filter(pk=operation.pk).update(sent=timezone.now())  # before: eager runs it now
    if tasks.send(RUN_TASK, kwargs={"operation_id": operation.pk}, scope=context.public_scope(),
                  keep_if_undelivered=False):
        return 1
    _operations().filter(pk=operation.pk).update(sent=None)
    return 0


def _undelivered_resend(operation: Operation) -> int:
    params = operation.params
    sent = tasks.send_with_headers(params["task"], args=tuple(params.get("args") or ()),
                                   kwargs=params.get("kwargs") or {},
                                   headers=params.get("headers") or {})
    if not sent:
        return 0
    _operations().filter(pk=operation.pk, state=Operation.State.QUEUED).update(
        state=Operation.State.SUCCEEDED, sent=timezone.now(), finished=timezone.now(),
        message="Handed to the workers once the broker was back.")
    return 1
