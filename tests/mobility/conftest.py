import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from careers.models import Application
from mobility.schemas import raw_connection
from mobility.tables import schema_sums
from tenancy.storage import tenant_files
from tests.careers.factories import ApplicationFactory, JobFactory

CV = b"%PDF-1.4\n% a candidate's CV, carried with its tenant\n%%EOF\n"


@pytest.fixture
def populated(make_tenant, in_tenant, media_root):
    """A committed tenant with jobs, applications (one with a CV file) and a staff user."""

    def make(slug: str, *, applications: int = 30, **kwargs):
        tenant = make_tenant(slug, name=f"{slug.title()} Inc", **kwargs)
        with in_tenant(tenant):
            get_user_model().objects.create_superuser(username="boss", email="boss@example.com",
                                                      password="pw-for-tests-only")
            jobs = [JobFactory(title=f"{slug} job {n}") for n in range(3)]
            for n in range(applications):
                ApplicationFactory(job=jobs[n % 3], name=f"Ünïcode Candidate {n}\ttab")
            assert Application.objects.count() == applications
            Application.objects.first().cv_file.save("cv.pdf", ContentFile(CV))
        return tenant

    return make


def sums_of(tenant, schema: str | None = None):
    with raw_connection(tenant.database_alias) as connection, connection.cursor() as cursor:
        return schema_sums(cursor, schema or tenant.schema_name)


def files_of(tenant) -> list[tuple[str, int, str]]:
    return [(found.name, found.size, found.sha256) for found in tenant_files(schema_name=tenant.schema_name)]
