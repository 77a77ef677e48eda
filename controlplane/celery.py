"""The Celery app: ``celery -A controlplane worker`` and ``celery -A controlplane beat``.

Configured from Django's settings (``CELERY_*``, read from the environment in settings/base.py).
Every task is a ``tenancy.tasks.TenantTask``: the scope it was sent in travels with it and is
activated, from the registry's current placement, around its run. Task modules are found in
each installed app's ``tasks.py``.
"""

import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.prod")

app = Celery("tenantry", task_cls="tenancy.tasks:TenantTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)
_said_eager = False


def say_eager_once() -> None:
    """With no broker configured, tasks run in-process: say so once per process."""
    global _said_eager
    if app.conf.task_always_eager and not _said_eager:
        _said_eager = True
        logger.info("CELERY_BROKER_URL is not set: background tasks run eagerly in this process.")
