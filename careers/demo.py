"""Demo content for an organization (call in the tenant's scope): jobs and applications."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from careers.models import Application, InterviewFeedback, Job
from careers.services import application_status_move, application_submit, job_create

FT, PT, CONTRACT, INTERN = (Job.EmploymentType.FULL_TIME, Job.EmploymentType.PART_TIME,
                            Job.EmploymentType.CONTRACT, Job.EmploymentType.INTERNSHIP)
DEMO_JOBS = [
    ("Backend Engineer", "Engineering", "Remote", FT),
    ("Frontend Engineer", "Engineering", "Berlin", FT),
    ("Site Reliability Engineer", "Engineering", "London", FT),
    ("Data Analyst", "Data", "Remote", CONTRACT),
    ("Product Designer", "Design", "Berlin", FT),
    ("UX Researcher", "Design", "Paris", PT),
    ("Customer Success Manager", "Sales", "London", FT),
    ("Account Executive", "Sales", "New York", FT),
    ("Technical Writer", "Product", "Remote", CONTRACT),
    ("Product Manager", "Product", "Paris", FT),
    ("Marketing Intern", "Marketing", "London", INTERN),
    ("People Partner", "People", "Berlin", PT),
]
EXTRA_JOBS = [("Office Manager", "People", "London", FT, Job.Status.CLOSED),
              ("Head of Security", "Engineering", "Remote", FT, Job.Status.DRAFT)]
DEMO_CANDIDATES = [
    ("Amélie Dubois", Application.Status.NEW), ("Jürgen Müller", Application.Status.SCREENING),
    ("Siobhán O'Connor", Application.Status.INTERVIEW), ("Nguyễn Văn An", Application.Status.OFFER),
    ("Zoë Achterberg", Application.Status.HIRED), ("Łukasz Nowak", Application.Status.REJECTED),
    ("Priya Raman", Application.Status.NEW), ("Mateo García", Application.Status.INTERVIEW),
]
PIPELINE = list(Application.Status)[:5]  # new -> hired; rejected comes from anywhere


def populate(*, organization_name: str) -> None:
    """Fill an empty organization with jobs and applications. Does nothing if jobs exist."""
    if Job.objects.exists():
        return
    now = timezone.now()
    jobs = [
        job_create(title=title, department=department, location=location, employment_type=kind,
                   published_at=now - timedelta(days=index * 3),
                   description=_description(organization_name, title, department, location))
        for index, (title, department, location, kind) in enumerate(DEMO_JOBS)
    ]
    for title, department, location, kind, status in EXTRA_JOBS:
        job_create(title=title, department=department, location=location, employment_type=kind,
                   status=status, description=_description(organization_name, title, department,
                                                           location))
    reviewer = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    for index, (name, status) in enumerate(DEMO_CANDIDATES):
        for job in jobs[index % 4::4][:2]:
            application = application_submit(
                job=job, name=name, email=f"candidate{index + 1}@example.com",
                phone=f"+44 20 7946 {index:04d}", cv_url=f"https://cv.example.com/candidate{index + 1}",
                cover_letter=f"Dear {organization_name} team,\n\nI would love to join you as "
                             f"{job.title}.\n\nBest regards,\n{name}",
                confirm=False,  # demo candidates: no confirmation e-mails printed at every first run
            )
            _advance(application=application, status=status, reviewer=reviewer)


def _advance(*, application: Application, status: str, reviewer) -> None:
    steps = PIPELINE[1:PIPELINE.index(status) + 1] if status in PIPELINE else [status]
    for step in steps:
        application_status_move(application=application, status=step, changed_by=reviewer)
    if reviewer and status in (Application.Status.OFFER, Application.Status.HIRED,
                               Application.Status.INTERVIEW):
        InterviewFeedback.objects.create(application=application, interviewer=reviewer,
                                         score=4 if status != Application.Status.INTERVIEW else 3,
                                         notes="Clear communicator; solid fundamentals.")


def _description(organization: str, title: str, department: str, location: str) -> str:
    return (
        f"{organization} is hiring a {title} for the {department} team ({location}).\n\n"
        "What you will do: own meaningful work end to end, with a small team that ships often.\n\n"
        "What we offer: a fair salary, flexible hours and a budget for learning."
    )
