"""Demo content for an organization (call in the tenant's scope)."""

from careers.models import Job
from careers.services import job_create

DEMO_JOBS = [
    ("Backend Engineer", "Engineering", "Remote"),
    ("Product Designer", "Design", "Berlin"),
    ("Customer Success Manager", "Sales", "London"),
]


def populate(*, organization_name: str) -> None:
    if Job.objects.exists():
        return
    for title, department, location in DEMO_JOBS:
        job_create(title=f"{title}", department=department, location=location,
                   description=f"Join {organization_name} as a {title}.")
