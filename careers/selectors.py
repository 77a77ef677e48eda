from django.db.models import QuerySet

from careers.models import Job


def jobs_open() -> QuerySet[Job]:
    return Job.objects.filter(status=Job.Status.OPEN)
