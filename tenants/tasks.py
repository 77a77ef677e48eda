"""The registry's background tasks: the first staff admin's invite e-mail."""

import logging
import smtplib

from celery import shared_task

from tenancy import context
from tenants import invites

logger = logging.getLogger(__name__)

INVITE_TASK = "tenants.invite_email_send"


@shared_task(name=INVITE_TASK, bind=True, max_retries=3)
def invite_email_send(self, *, email: str, link: str) -> None:
    """Runs in the new tenant's scope; an SMTP failure is retried, then logged with its reason."""
    tenant = context.current_tenant()
    try:
        invites.invite_email_send(tenant=tenant, email=email, link=link)
    except (smtplib.SMTPException, OSError) as error:
        if self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(exc=error, countdown=30 * 2 ** self.request.retries)
        logger.error("invite e-mail for tenant %s to %s not sent after %d attempts: %s",
                     tenant.slug, email, self.request.retries + 1, error)
        raise
