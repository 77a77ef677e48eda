"""Tasks and an operation kind the worker tests send (loaded by ``CELERY_EXTRA_IMPORTS``).

They do real work on the tenant's own rows (careers jobs), so a task that ran in the wrong tenant
or on the wrong database leaves evidence where the test looks.
"""

import time

from celery import shared_task
from django.db import connections

from careers.models import Job
from operations import kinds
from tenancy import context

PROBE_TASK = "tests.scope_probe"


@shared_task(name=PROBE_TASK)
def scope_probe(*, marker: str, number: int) -> None:
    """Write one job titled ``marker #number`` in the current tenant, noting what it could see."""
    scope = context.current_scope()
    alias = Job.objects.db
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    foreign = Job.objects.exclude(title__startswith=marker).exclude(title__startswith="seed").count()
    Job.objects.create(
        title=f"{marker} #{number}", department=alias, location=schema,
        description=f"slug={scope.slug} foreign_rows={foreign}",
        status="open",
    )


def slow_steps(*, params: dict, progress, resume_from: int) -> dict:
    """``total`` idempotent steps of ``seconds`` each; each leaves one job, marked with the run."""
    total, tag = params["total"], params["tag"]
    for step in range(resume_from, total):
        Job.objects.get_or_create(title=f"{tag} step {step}", defaults={
            "description": f"run from {resume_from}", "status": "draft"})
        time.sleep(params.get("seconds", 0.5))
        progress(step + 1, total, f"step {step + 1} of {total}")
    return {"steps": total}


kinds.register("tests.slow_steps", slow_steps, label="Test: slow idempotent steps", per_tenant=True)
