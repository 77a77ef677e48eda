import pytest
from django.contrib.auth import get_user_model

from careers.models import Application
from mobility.schemas import raw_connection
from mobility.tables import schema_sums
from tests.careers.factories import ApplicationFactory, JobFactory


@pytest.fixture
def populated(make_tenant, in_tenant):
    """A committed tenant with jobs, applications (and their history) and a staff user."""

    def make(slug: str, *, applications: int = 30, **kwargs):
        tenant = make_tenant(slug, name=f"{slug.title()} Inc", **kwargs)
        with in_tenant(tenant):
            get_user_model().objects.create_superuser(username="boss", email="boss@example.com",
                                                      password="pw-for-tests-only")
            jobs = [JobFactory(title=f"{slug} job {n}") for n in range(3)]
            for n in range(applications):
                ApplicationFactory(job=jobs[n % 3], name=f"Ünïcode Candidate {n}\ttab")
            assert Application.objects.count() == applications
        return tenant

    return make


def sums_of(tenant, schema: str | None = None):
    with raw_connection(tenant.database_alias) as connection, connection.cursor() as cursor:
        return schema_sums(cursor, schema or tenant.schema_name)
