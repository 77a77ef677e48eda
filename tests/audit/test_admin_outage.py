"""While MySQL is unreachable, the audit trail's pages answer a proper 503, never a 500."""

import pytest

from audit.models import AuditEvent
from audit.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "dedicated", "audit"], transaction=True)


def test_tenant_admin_trail_is_503_while_mysql_is_unreachable_and_back_after(
    mysql_route, make_tenant, in_tenant, tenant_client
):
    acme = make_tenant("acme")
    client = tenant_client(acme)
    with in_tenant(acme):
        client.force_login(UserFactory(username="boss@acme.example", is_superuser=True))
        audit_record(action="admin.change", object_repr="job", actor="x")
        event = AuditEvent.objects.get(actor="x")
    assert client.get("/admin/audit/auditevent/").status_code == 200

    mysql_route.stop()
    for url in ("/admin/audit/auditevent/", "/admin/audit/auditevent/?q=x",
                f"/admin/audit/auditevent/{event.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "The audit trail is unavailable right now" in response.content.decode()
    assert client.get("/admin/").status_code == 200  # the rest of the admin is unaffected

    mysql_route.start()
    assert client.get("/admin/audit/auditevent/").status_code == 200


def test_console_trail_is_503_while_mysql_is_unreachable(mysql_route, settings):
    from django.test import Client

    console = Client(HTTP_HOST=settings.BASE_DOMAIN)
    console.force_login(UserFactory(username="root-admin", is_superuser=True))
    mysql_route.stop()
    for query in ("", "?q=x", "?action=tenant.created", "?tenant=acme&page=2"):
        response = console.get(f"/audit/{query}")
        assert response.status_code == 503, query
        assert "The audit store is unavailable right now." in response.content.decode()
