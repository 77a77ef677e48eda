"""Deletions the careers app hears of from the ORM, whichever path deleted the row.

Connected in ``CareersConfig.ready()``. A signal rather than a service call because rows go
through many paths (admin, bulk actions, the shell, cascades) and a CV must never outlive
its application.
"""

from careers import services


def application_deleted(sender, instance, using, **kwargs):
    services.application_cv_deleted_on_commit(application=instance, using=using)
