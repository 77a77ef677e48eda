"""``demo`` makes each organization's portal look alive: jobs and applications."""

import pytest
from django.contrib.auth import get_user_model

from careers.demo import populate
from careers.models import Application, ApplicationStatusChange, InterviewFeedback, Job

pytestmark = pytest.mark.django_db


def test_populate_fills_jobs_and_applications_once(acme, in_tenant, tenant_client):
    with in_tenant(acme):
        get_user_model().objects.create_user(username="acme-admin", is_staff=True, is_superuser=True)
        populate(organization_name="Acme Corporation")
        populate(organization_name="Acme Corporation")  # again: nothing doubles
        statuses = set(Application.objects.values_list("status", flat=True))
        counts = (Job.objects.filter(status=Job.Status.OPEN).count(), Job.objects.count(),
                  Application.objects.count())
        hired = Application.objects.filter(status=Application.Status.HIRED).first()
        hired_path = list(hired.status_changes.values_list("to_status", flat=True))
        has_feedback = InterviewFeedback.objects.exists()
        history = ApplicationStatusChange.objects.count()

    assert counts == (12, 14, 16)
    assert statuses == set(Application.Status.values)
    assert hired_path == ["new", "screening", "interview", "offer", "hired"]
    assert has_feedback and history > counts[2]

    page = tenant_client(acme).get("/jobs/")
    assert page.status_code == 200 and b"12 open positions" in page.content
    assert b"Backend Engineer" in page.content and b"Head of Security" not in page.content
