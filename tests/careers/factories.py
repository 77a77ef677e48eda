"""Careers data for tests; create inside ``in_tenant(...)``, the rows go to that schema."""

import factory
from django.utils import timezone

from careers.models import Application, Job


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    title = factory.Sequence(lambda n: f"Job {n}")
    department = "Engineering"
    location = "Remote"
    description = "Build good things."
    status = Job.Status.OPEN
    published_at = factory.LazyFunction(timezone.now)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    job = factory.SubFactory(JobFactory)
    name = factory.Sequence(lambda n: f"Candidate {n}")
    email = factory.Sequence(lambda n: f"candidate{n}@example.com")
    phone = ""
    cover_letter = "I would like to work with you."
    cv_url = "https://cv.example.com/me"
