"""Who sees which trail: tenant staff their organization's (read-only), platform admins all.
And what the trail hears: platform actions, sign-in, sign-in failures, admin add/change/delete."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from audit.models import AuditEvent
from audit.services import audit_deliver_everywhere
from tenancy import context
from tenants import services
from tests.factories import PASSWORD, UserFactory

ALL = ["default", "dedicated", "audit"]
pytestmark = pytest.mark.django_db(databases=ALL)


def sign_in(client, user) -> None:
    response = client.post("/admin/login/?next=/admin/",
                           {"username": user.username, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.fixture
def two_organizations(make_tenant, in_tenant, tenant_client):
    """acme on the primary, globex on the dedicated database, a signed-in staff admin each."""
    organizations = {}
    for name, alias in (("acme", "default"), ("globex", "dedicated")):
        tenant = make_tenant(database_alias=alias)
        with in_tenant(tenant):
            staff = UserFactory(is_superuser=True, username=f"boss@{name}.example")
        client = tenant_client(tenant)
        sign_in(client, staff)
        organizations[name] = (tenant, staff, client)
    audit_deliver_everywhere()  # what the workers do once the test's transaction would commit
    return organizations


def test_tenant_staff_read_their_own_organizations_trail_only(two_organizations, in_tenant):
    (acme, acme_staff, acme_client), (globex, globex_staff, _) = two_organizations.values()

    page = acme_client.get("/admin/audit/auditevent/").content.decode()
    assert acme_staff.username in page
    assert globex_staff.username not in page
    assert "tenant.created" not in page  # the platform's own trail stays the platform's

    with in_tenant(globex):
        globex_event = AuditEvent.objects.get(actor=globex_staff.username)
    stolen = acme_client.get(f"/admin/audit/auditevent/{globex_event.pk}/change/", follow=True)
    assert globex_staff.username not in stolen.content.decode()
    assert "doesn’t exist" in stolen.content.decode()

    with in_tenant(acme):  # the manager is the one filter: no query can widen it
        assert set(AuditEvent.objects.values_list("tenant_slug", flat=True)) == {acme.slug}
        assert not AuditEvent.objects.filter(tenant_slug=globex.slug).exists()
        with pytest.raises(AuditEvent.DoesNotExist):
            AuditEvent.objects.get(pk=globex_event.pk)


def test_a_schema_that_is_no_tenants_reads_nothing(two_organizations):
    with context.activated(context.Scope("tenant_nobody", "default")):
        assert AuditEvent.objects.count() == 0


def test_the_trail_is_read_only_for_tenant_staff(two_organizations, in_tenant):
    acme, _, client = two_organizations["acme"]
    with in_tenant(acme):
        event = AuditEvent.objects.first()
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"actor": "forged"}).status_code == 403
    with in_tenant(acme):
        assert AuditEvent.objects.get(pk=event.pk).actor == event.actor


def test_platform_admins_see_every_organizations_trail(two_organizations, platform_client):
    services.tenant_suspend(tenant=two_organizations["globex"][0])
    # In the public scope: a platform admin.
    admin_user = UserFactory(is_superuser=True, username="root@tenantry.example")
    sign_in(platform_client, admin_user)
    audit_deliver_everywhere()

    page = platform_client.get("/admin/audit/auditevent/").content.decode()
    for tenant, staff, _ in two_organizations.values():
        assert staff.username in page and tenant.slug in page
    assert "tenant.suspended" in page
    assert platform_client.get("/admin/audit/auditevent/add/").status_code == 403


def test_platform_actions_are_recorded(make_tenant):
    tenant = make_tenant(slug="auditco")
    call_command("tenants", "suspend", "auditco")
    call_command("tenants", "resume", "auditco")
    services.domain_attach(tenant=tenant, domain="careers.auditco.example")
    services.tenant_delete(tenant=tenant)
    audit_deliver_everywhere()

    events = list(AuditEvent.objects.filter(object_repr__contains="auditco")
                  .order_by("id").values_list("tenant_slug", "actor", "action", "object_repr"))
    assert events == [
        ("", "system", "tenant.created", "auditco on default"),
        ("", "system", "tenant.suspended", "auditco"),
        ("", "system", "tenant.resumed", "auditco"),
        ("", "system", "domain.added", "careers.auditco.example for auditco"),
        ("", "system", "tenant.deleted", "auditco"),
    ]


def test_sign_in_and_its_failure_are_recorded_with_the_ip(make_tenant, in_tenant, tenant_client):
    tenant = make_tenant(database_alias="dedicated")
    with in_tenant(tenant):
        staff = UserFactory(is_superuser=True)
    client = tenant_client(tenant)
    failed = client.post("/admin/login/", {"username": staff.username, "password": "wrong"},
                         REMOTE_ADDR="198.51.100.7")
    assert failed.status_code == 200  # the form again, with its error
    sign_in(client, staff)
    audit_deliver_everywhere()

    with in_tenant(tenant):
        trail = list(AuditEvent.objects.order_by("id").values_list("actor", "action", "object_repr", "ip"))
    assert trail == [
        (staff.username, "auth.sign_in_failed", staff.username, "198.51.100.7"),
        (staff.username, "auth.sign_in", staff.username, "127.0.0.1"),
    ]


@pytest.mark.parametrize("alias", ["default", "dedicated"])
def test_admin_add_change_and_delete_are_recorded_once_each(alias, make_tenant, in_tenant, tenant_client):
    tenant = make_tenant(database_alias=alias)
    with in_tenant(tenant):
        staff = UserFactory(is_superuser=True)
    client = tenant_client(tenant)
    sign_in(client, staff)

    assert client.post("/admin/auth/group/add/", {"name": "Recruiters"}).status_code == 302
    with in_tenant(tenant):
        group = Group.objects.get(name="Recruiters")
        others = [Group.objects.create(name=f"Panel {n}").pk for n in (1, 2, 3)]
    assert client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Talent"}).status_code == 302
    assert client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"}).status_code == 302
    for selected in (others[:2], others[2:]):  # Django logs one object with a signal, two without
        bulk = client.post("/admin/auth/group/", {"action": "delete_selected",
                                                   "_selected_action": selected, "post": "yes"})
        assert bulk.status_code == 302
    audit_deliver_everywhere()

    with in_tenant(tenant):
        assert not Group.objects.filter(pk__in=[group.pk, *others]).exists()
        trail = list(AuditEvent.objects.filter(action__startswith="admin.")
                     .order_by("id").values_list("actor", "action", "object_repr"))
    assert trail == [
        (staff.username, "admin.add", f"auth.group {group.pk}: Recruiters"),
        (staff.username, "admin.change", f"auth.group {group.pk}: Talent"),
        (staff.username, "admin.delete", f"auth.group {group.pk}: Talent"),
        (staff.username, "admin.delete", f"auth.group {others[0]}: Panel 1"),
        (staff.username, "admin.delete", f"auth.group {others[1]}: Panel 2"),
        (staff.username, "admin.delete", f"auth.group {others[2]}: Panel 3"),
    ]
