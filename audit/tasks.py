"""Delivering the outbox to MySQL on the workers (after each audited commit, and from beat)."""

from celery import shared_task

from audit.services import DELIVER_TASK, audit_deliver


@shared_task(name=DELIVER_TASK, bind=True, max_retries=5, default_retry_delay=10,
             allow_suspended=True)  # a suspended tenant's trail is still delivered
def audit_outbox_deliver(self) -> int:
    """The current scope's outbox (the task arrives in its tenant's scope); retried while MySQL
    is away, after which beat's periodic fan-out picks the events up."""
    try:
        return audit_deliver()
    except Exception as error:
        if self.request.is_eager:
            return 0  # no worker to retry later: beat or ``audit deliver`` will
        raise self.retry(exc=error, countdown=min(300, 10 * 2 ** self.request.retries))
