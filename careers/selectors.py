from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from careers.models import Application, Job


def jobs_open() -> QuerySet[Job]:
    return Job.objects.filter(status=Job.Status.OPEN)


def jobs_open_filtered(*, department: str = "", location: str = "", search: str = "") -> QuerySet[Job]:
    """Open jobs, newest first, narrowed by the portal's filters (empty means any)."""
    jobs = jobs_open()
    if department:
        jobs = jobs.filter(department=department)
    if location:
        jobs = jobs.filter(location=location)
    if search:
        jobs = jobs.filter(title__icontains=search)
    return jobs.order_by("-published_at", "-id")


def job_open_filter_choices() -> tuple[list[str], list[str]]:
    """The departments and the locations of open jobs (one query), for the portal's menus."""
    pairs = jobs_open().order_by().values_list("department", "location").distinct()
    departments, locations = set(), set()
    for department, location in pairs:
        departments.add(department)
        locations.add(location)
    return sorted(departments - {""}), sorted(locations - {""})


def staff_notified_of_applications():
    """Active staff who opted in to new-application e-mails and have an address."""
    return (
        get_user_model().objects.filter(
            is_active=True, is_staff=True, careers_notifications__new_applications=True
        )
        .filter(~Q(email=""))
        .order_by("email")
    )


def applications_for_export(*, applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.select_related("job", "interviewer").order_by("submitted_at", "id")


def applications_with_cv_file() -> QuerySet[Application]:
    return Application.objects.exclude(cv_file="")
