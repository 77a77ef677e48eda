"""The design card's ``platform/``: the project package and the platform admins' apps.

(A top-level package named ``platform`` would shadow Python's standard library module.)
"""

from controlplane.celery import app as celery_app

__all__ = ("celery_app",)
