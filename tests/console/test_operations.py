"""The console's operations page: listed with their progress, polled as JSON, started by staff
with the permission (eager here: the operation runs when its record commits)."""

import pytest
from django.conf import settings
from django.test import Client

from operations import services
from operations.models import Operation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "dedicated", "audit"])


def test_an_operation_started_from_the_console_runs_and_shows_its_progress(
        console, platform_admin, make_tenant, django_capture_on_commit_callbacks):
    make_tenant()
    with django_capture_on_commit_callbacks(execute=True):  # the task leaves after the commit
        response = console.post("/operations/start/", {"kind": "audit.deliver"})
    assert response.status_code == 302 and response["Location"] == "/operations/"
    body = console.get("/operations/").content.decode()
    operation = Operation.objects.get(kind="audit.deliver")
    assert f"Operation #{operation.pk} (audit.deliver) is queued for the workers." in body
    assert (operation.state, operation.done, operation.total) == ("succeeded", 2, 2)  # public + 1 tenant
    assert operation.requested_by == platform_admin.username
    assert f'data-id="{operation.pk}"' in body and 'aria-valuenow="100"' in body

    status = console.get("/operations/status.json", {"id": str(operation.pk)}).json()
    [row] = status["operations"]
    assert (row["id"], row["state"], row["percent"], row["kind"]) == (operation.pk, "succeeded", 100,
                                                                       "audit.deliver")


def test_the_json_shows_a_running_operations_progress(console):
    operation = Operation.objects.create(kind="audit.deliver")
    claimed = services.operation_claim(operation_id=operation.pk, worker="w1")
    services.operation_progress(operation=claimed, done=3, total=12, message="3 of 12")
    row = console.get(f"/operations/{operation.pk}.json").json()
    assert (row["state"], row["done"], row["total"], row["percent"], row["message"]) == (
        "running", 3, 12, 25, "3 of 12")
    assert console.get("/operations/999999.json").status_code == 404


def test_an_unknown_kind_or_a_missing_tenant_is_refused_clearly(console):
    unknown = console.post("/operations/start/", {"kind": "nope"}, follow=True).content.decode()
    assert "No operation kind &#x27;nope&#x27;" in unknown
    assert console.post("/operations/start/", {"kind": "audit.deliver", "tenant": "ghost"}).status_code == 404
    assert not Operation.objects.exists()


def test_staff_without_the_permission_cannot_see_or_start_operations():
    staff = UserFactory(is_staff=True, is_superuser=False)
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(staff)
    assert client.get("/operations/").status_code == 403
    assert client.get("/operations/status.json").status_code == 403
    assert client.post("/operations/start/", {"kind": "audit.deliver"}).status_code == 403
    assert not Operation.objects.exists()
