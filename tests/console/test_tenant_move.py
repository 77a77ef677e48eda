"""Moving and archiving a tenant from the console: an operation on the workers, with progress."""

import pytest

from operations.models import Operation
from tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_a_move_from_the_console_runs_as_an_operation_and_the_tenant_is_served_there(
        make_tenant, console, platform_admin, tenant_client):
    acme = make_tenant("acme-mv", name="Acme")
    page = console.get("/tenants/acme-mv/").content.decode()
    assert 'id="placement"' in page and '<option value="dedicated">dedicated</option>' in page

    refused = console.post("/tenants/acme-mv/move/", {"action": "move", "to": "dedicated",
                                                       "confirm_slug": "acme"}, follow=True)
    assert b"Type acme-mv to confirm." in refused.content
    assert Tenant.objects.get(pk=acme.pk).database_alias == "default"

    started = console.post("/tenants/acme-mv/move/", {"action": "move", "to": "dedicated",
                                                       "confirm_slug": "acme-mv"}, follow=True)
    assert started.status_code == 200  # the operations page, with the operation on it
    operation = Operation.objects.get(kind="tenant.move")
    assert (operation.state, operation.tenant_slug, operation.requested_by) == (
        "succeeded", "acme-mv", platform_admin.username)
    assert operation.result["to"] == "dedicated" and operation.result["online"] is False
    assert operation.done == operation.total  # progress was recorded as it went
    assert Tenant.objects.get(pk=acme.pk).database_alias == "dedicated"
    assert tenant_client(acme).get("/jobs/").status_code == 200
