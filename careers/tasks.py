"""Careers e-mails on the workers (``careers.notifications.notify_on_commit``)."""

import logging

from celery import shared_task

from careers import notifications
from careers.models import Application

logger = logging.getLogger(__name__)


@shared_task(name=notifications.NOTIFY_TASK, bind=True, max_retries=3)
def notify(self, *, notification: str, application_id: int) -> int:
    """Runs in the application's tenant scope; a failed send is retried, then logged."""
    application = Application.objects.select_related("job").filter(pk=application_id).first()
    if application is None:
        logger.warning("%s e-mail: application %s no longer exists", notification, application_id)
        return 0
    try:
        return notifications.notification_send(notification=notification, application=application)
    except Exception as error:
        if self.request.retries < self.max_retries and not self.request.is_eager:
            raise self.retry(exc=error, countdown=30 * 2 ** self.request.retries)
        notifications.notification_failed(notification=notification, application_id=application_id)
        return 0
