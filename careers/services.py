"""Writes of the careers portal: jobs, applications and their status pipeline."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from careers import notifications, quotas
from careers.models import Application, ApplicationStatusChange, Job
from tenancy.storage import tenant_file_delete_on_commit

DUPLICATE_CONSTRAINT = "careers_application_once_per_job"


class ApplicationDuplicate(ValidationError):
    def __init__(self):
        super().__init__(
            "You have already applied for this job with this e-mail address. "
            "Thank you, we have your application and will be in touch.",
            code="duplicate",
        )


def job_create(*, title: str, department: str = "", location: str = "", description: str = "",
               status: str = Job.Status.OPEN, employment_type: str = Job.EmploymentType.FULL_TIME,
               published_at=None) -> Job:
    job = Job(title=title, department=department, location=location, description=description,
              status=status, employment_type=employment_type,
              published_at=published_at or timezone.now())
    job.full_clean()
    with transaction.atomic(using=router.db_for_write(Job)):
        if job.status == Job.Status.OPEN:  # in the transaction: the check holds until commit
            quotas.open_jobs_quota_check(job=job)
        job.save()
    return job


def application_submit(*, job: Job, name: str, email: str, cover_letter: str, cv_url: str = "",
                       phone: str = "", cv_file: File | None = None, confirm: bool = True) -> Application:
    """Save a candidate's application, then (after commit) e-mail the staff who opted in and,
    with ``confirm``, the candidate a confirmation in the organization's name.

    ``cv_file`` (already checked, see ``careers.uploads``) is stored under a generated name in
    the tenant's folder; if the application is not saved, neither is the file.
    Raises ApplicationDuplicate when this e-mail address already applied for this job.
    """
    if job.status != Job.Status.OPEN:
        raise ValidationError("This job is not accepting applications.", code="closed")
    email = email.strip()
    alias = router.db_for_write(Application)
    application = Application(job=job, name=name.strip(), email=email, phone=phone.strip(),
                              cover_letter=cover_letter, cv_url=cv_url)
    written = False  # the block ran to its end: the rows are committed (or the commit failed)
    try:
        with transaction.atomic(using=alias):
            if cv_file is not None:
                application.cv_file.save(cv_file.name, cv_file, save=False)
            application.save()
            ApplicationStatusChange.objects.create(
                application=application, from_status="", to_status=application.status
            )
            notifications.application_received_notify_on_commit(application=application, using=alias,
                                                               confirm=confirm)
            written = True
    except Exception as error:
        if not written:  # rolled back: the file stored before the row has no row to name it
            application.cv_file.delete(save=False)
        if isinstance(error, IntegrityError) and DUPLICATE_CONSTRAINT in str(error):
            raise ApplicationDuplicate() from error  # the database is the one judge of duplicates
        raise
    return application


def application_status_move(*, application: Application, status: str, changed_by=None) -> bool:
    """Move one application along the pipeline and record the change. False if already there."""
    if status not in Application.Status.values:
        raise ValidationError(f"{status!r} is not an application status.", code="status")
    with transaction.atomic(using=router.db_for_write(Application)):
        current = Application.objects.select_for_update().get(pk=application.pk)
        if current.status == status:
            application.status = status
            return False
        Application.objects.filter(pk=current.pk).update(status=status)
        ApplicationStatusChange.objects.create(
            application=current, from_status=current.status, to_status=status, changed_by=changed_by
        )
    application.status = status
    return True


def applications_status_move(*, applications: QuerySet[Application], status: str,
                             changed_by=None) -> int:
    """Move many applications at once (all or none); return how many changed."""
    with transaction.atomic(using=router.db_for_write(Application)):
        return sum(
            application_status_move(application=application, status=status, changed_by=changed_by)
            for application in applications.order_by("pk")
        )


def application_cv_deleted_on_commit(*, application: Application, using: str) -> None:
    """The application's CV goes when its row does: after the commit, never on a rollback."""
    if application.cv_file:
        tenant_file_delete_on_commit(name=application.cv_file.name, using=using)
