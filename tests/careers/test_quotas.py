"""The plan's quotas: open jobs (service and admin) and active staff users (admin)."""

import pytest
from django.core.exceptions import ValidationError

from careers.models import Job
from careers.services import job_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])


@pytest.fixture
def small_plans(settings):
    settings.TENANT_PLAN_LIMITS = {
        **settings.TENANT_PLAN_LIMITS,
        "free": {**settings.TENANT_PLAN_LIMITS["free"], "open_jobs": 2, "staff_users": 2},
    }


@pytest.fixture
def admin_client(in_tenant, tenant_client):
    def sign_in(tenant):
        client = tenant_client(tenant)
        with in_tenant(tenant):
            client.force_login(UserFactory(is_superuser=True))
        return client

    return sign_in


def test_job_create_refuses_an_open_job_over_the_plans_quota(make_tenant, in_tenant, small_plans):
    from tenants.models import Tenant

    free, big = make_tenant("quota-free"), make_tenant("quota-big", plan=Tenant.Plan.ENTERPRISE)
    with in_tenant(free):
        job_create(title="One")
        job_create(title="Two")
        with pytest.raises(ValidationError, match="The free plan allows 2 open jobs and this organization already has 2"):
            job_create(title="Three")
        job_create(title="Draft", status=Job.Status.DRAFT)  # drafts do not count
        assert Job.objects.filter(status=Job.Status.OPEN).count() == 2
    with in_tenant(big):
        for n in range(5):
            job_create(title=f"Big {n}")


def test_the_admin_refuses_to_open_a_job_over_the_quota_with_a_clear_message(
        make_tenant, in_tenant, admin_client, small_plans):
    free = make_tenant("quota-admin")
    with in_tenant(free):
        job_create(title="One")
        job_create(title="Two")
        draft = job_create(title="Draft", status=Job.Status.DRAFT)
    client = admin_client(free)
    form = {"title": "Draft", "department": "", "location": "", "employment_type": "full_time",
            "status": "open", "published_at_0": "2026-01-01", "published_at_1": "10:00:00",
            "description": "x"}
    response = client.post(f"/admin/careers/job/{draft.pk}/change/", form)
    assert response.status_code == 200
    assert "The free plan allows 2 open jobs" in response.content.decode()
    with in_tenant(free):
        draft.refresh_from_db()
        assert draft.status == Job.Status.DRAFT
    form["status"] = "closed"
    assert client.post(f"/admin/careers/job/{draft.pk}/change/", form).status_code == 302


def test_the_admin_refuses_one_staff_user_over_the_quota(make_tenant, in_tenant, admin_client, small_plans):
    free = make_tenant("quota-staff")
    client = admin_client(free)  # one active staff user
    with in_tenant(free):
        UserFactory(username="second")
        third = UserFactory(username="third", is_staff=False)
    form = {"username": "third", "is_active": "on", "is_staff": "on", "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00", "first_name": "", "last_name": "", "email": ""}
    response = client.post(f"/admin/auth/user/{third.pk}/change/", form)
    assert response.status_code == 200
    assert "The free plan allows 2 active staff users" in response.content.decode()
    with in_tenant(free):
        third.refresh_from_db()
        assert not third.is_staff
    del form["is_staff"]
    assert client.post(f"/admin/auth/user/{third.pk}/change/", form).status_code == 302


@pytest.mark.django_db(transaction=True, databases=["default", "audit"])
def test_concurrent_job_creation_never_exceeds_the_quota(make_tenant, small_plans):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from tenancy import context

    free = make_tenant("quota-race")
    scope = context.scope_for_tenant(free)

    def create(n):
        try:
            with context.activated(scope):
                job_create(title=f"Race {n}")
            return "created"
        except ValidationError:
            return "refused"
        finally:
            connections.close_all()

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(create, range(12)))
    assert outcomes.count("created") == 2 and outcomes.count("refused") == 10
    with context.activated(scope):
        assert Job.objects.filter(status=Job.Status.OPEN).count() == 2
