from careers.models import Job


def job_create(*, title: str, department: str = "", location: str = "", description: str = "",
               status: str = Job.Status.OPEN) -> Job:
    return Job.objects.create(title=title, department=department, location=location,
                              description=description, status=status)
