"""``tenants operations``: list, show, start (eager here: no broker in the test settings)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from operations import services
from operations.models import Operation

pytestmark = pytest.mark.django_db(databases=["default", "dedicated", "audit"])


def run(*args) -> str:
    out = io.StringIO()
    call_command("tenants", "operations", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_list_and_show_in_text_and_json():
    operation = Operation.objects.create(kind="audit.deliver", tenant_slug="acme", requested_by="cli")
    claimed = services.operation_claim(operation_id=operation.pk, worker="w1")
    services.operation_progress(operation=claimed, done=1, total=4, message="one of four")

    listing = run()
    assert f"{operation.pk:>6} audit.deliver" in listing and "running" in listing and "1/4" in listing
    [row] = json.loads(run("--json"))
    assert (row["id"], row["state"], row["done"], row["total"], row["tenant"]) == (
        operation.pk, "running", 1, 4, "acme")
    assert json.loads(run("show", str(operation.pk), "--json"))["message"] == "one of four"
    assert "message: one of four" in run("show", str(operation.pk))


def test_cancel_stops_a_running_operation_at_its_next_step():
    operation = Operation.objects.create(kind="audit.deliver")
    claimed = services.operation_claim(operation_id=operation.pk, worker="w1")
    assert "cancelled" in run("cancel", str(operation.pk))
    with pytest.raises(Exception, match="cancelled or taken over"):
        services.operation_progress(operation=claimed, done=1)  # what the runner hears next
    assert Operation.objects.get().state == "cancelled"
    with pytest.raises(CommandError, match="is already cancelled"):
        run("cancel", str(operation.pk))


@pytest.mark.django_db(databases=["default", "dedicated", "audit"], transaction=True)
def test_start_waits_for_the_operation_and_reports_it(make_tenant):
    make_tenant()
    out = run("start", "audit.deliver")
    operation = Operation.objects.get()
    assert f"Operation #{operation.pk} succeeded" in out and operation.state == "succeeded"


@pytest.mark.parametrize(("args", "message"), [
    (("show", "424242"), "No operation #424242."),
    (("start", "nope"), "No operation kind 'nope'"),
    (("start", "audit.deliver", "--tenant", "ghost"), "No tenant with slug 'ghost'."),
])
def test_errors_are_one_clear_line(args, message):
    with pytest.raises(CommandError, match=message.replace(".", r"\.").replace("(", r"\(")):
        call_command("tenants", "operations", *args, stdout=io.StringIO(), stderr=io.StringIO())
