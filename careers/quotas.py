"""The plan's quotas on what an organization keeps: open jobs and active staff users.

Checked by the services and the organization's admin before a write that would exceed them,
in the write's transaction; the limits come from the current tenant's plan
(``tenancy.limits``), the counts from its schema.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router

from careers.models import Job
from tenancy.context import current_scope
from tenancy.limits import current_plan_limits


def _serialized(model, quota: str) -> None:
    """Inside a transaction, one writer per tenant and quota at a time (a transaction-level
    advisory lock): two concurrent writes cannot both see room for one more."""
    connection = connections[router.db_for_write(model)]
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                           [f"tenantry:{quota}:{current_scope().schema_name}"])


def open_jobs_quota_check(*, job: Job | None = None) -> None:
    """Raise if one more open job (``job`` becoming open, or a new one) exceeds the plan's quota."""
    limits = current_plan_limits()
    if limits is None or limits.open_jobs is None:
        return
    _serialized(Job, "open_jobs")
    others = Job.objects.filter(status=Job.Status.OPEN)
    if job is not None and job.pk is not None:
        others = others.exclude(pk=job.pk)
    count = others.count()
    if count >= limits.open_jobs:
        raise ValidationError(
            f"The {limits.plan} plan allows {limits.open_jobs} open jobs and this organization "
            f"already has {count}: close a job, or ask the platform to change the plan.",
            code="open_jobs_quota",
        )


def staff_users_quota_check(*, user=None) -> None:
    """Raise if one more active staff user (``user`` becoming one, or a new one) exceeds the quota."""
    limits = current_plan_limits()
    if limits is None or limits.staff_users is None:
        return
    _serialized(get_user_model(), "staff_users")
    others = get_user_model().objects.filter(is_staff=True, is_active=True)
    if user is not None and user.pk is not None:
        others = others.exclude(pk=user.pk)
    count = others.count()
    if count >= limits.staff_users:
        raise ValidationError(
            f"The {limits.plan} plan allows {limits.staff_users} active staff users and this "
            f"organization already has {count}: deactivate one, or ask the platform to change the plan.",
            code="staff_users_quota",
        )
