"""The Celery app: ``celery -A controlplane worker`` and ``celery -A controlplane beat``.

Configured from Django's settings (``CELERY_*``, read from the environment in settings/base.py).
Every task is a ``tenancy.tasks.TenantTask``: the scope it was sent in travels with it and is
activated, from the registry's current placement, around its run. Task modules are found in
each installed app's ``tasks.py``.
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.prod")

app = Celery("tenantry", task_cls="tenancy.tasks:TenantTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="controlplane.celery.connections_before")
@task_postrun.connect(dispatch_uid="controlplane.celery.connections_after")
def _connections_as_per_request(sender=None, **kwargs) -> None:
    """Database connections live across tasks as across requests: closed when broken or older
    than CONN_MAX_AGE, health-checked before reuse (Django's ``close_old_connections``).

    Celery's own Django fixup closes every connection around every task unless
    ``CELERY_DB_REUSE_MAX`` is set (settings/base.py sets it out of the way): a new connection
    per task cost 30+ ms under load (bench/tasks.py).
    """
    if not getattr(sender.request, "is_eager", False):
        close_old_connections()
