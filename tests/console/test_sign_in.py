"""Only platform staff, signed in on the root domain, reach the console."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def root_client() -> Client:
    return Client(HTTP_HOST=settings.BASE_DOMAIN)


def test_signed_out_visitor_is_sent_to_sign_in():
    response = root_client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_platform_admin_signs_in_and_lands_on_the_tenant_list():
    admin = UserFactory(is_superuser=True)
    client = root_client()
    response = client.post("/login/?next=/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and b"<h1>Tenants" in page.content


def test_wrong_password_and_non_staff_are_refused_with_a_message():
    admin = UserFactory(is_superuser=True)
    visitor = UserFactory(is_staff=False)
    for username, password in [(admin.username, "wrong"), (visitor.username, PASSWORD)]:
        response = root_client().post("/login/", {"username": username, "password": password})
        assert response.status_code == 200
        assert b"correct username and password for a staff account" in response.content


def test_an_organizations_staff_admin_cannot_sign_in_to_the_console(make_tenant, in_tenant):
    """Their account lives in the organization's schema, not in the platform's ``public``."""
    tenant = make_tenant("acme", admin_email="boss@acme.example")
    with in_tenant(tenant):
        from django.contrib.auth import get_user_model

        boss = get_user_model().objects.get(username="boss@acme.example")
        boss.set_password(PASSWORD)
        boss.save()
    response = root_client().post("/login/", {"username": "boss@acme.example", "password": PASSWORD})
    assert b"correct username and password for a staff account" in response.content
    assert root_client().get("/").status_code == 302


def test_the_console_is_not_served_on_a_tenant_host(make_tenant, tenant_client, console):
    tenant = make_tenant("acme")
    for path in ("/create/", "/tenants/acme/", "/login/", "/create/check-slug/?name=x"):
        assert tenant_client(tenant).get(path).status_code == 404


def test_sign_out_ends_the_session(console):
    assert console.get("/").status_code == 200
    assert console.post("/logout/").status_code == 302
    assert console.get("/").status_code == 302


def test_staff_without_a_permission_is_forbidden_that_action(make_tenant):
    make_tenant("acme")
    viewer = UserFactory(perms=["view_tenant"])
    client = root_client()
    client.force_login(viewer)
    assert client.get("/").status_code == 200
    assert client.get("/tenants/acme/").status_code == 200
    assert client.get("/create/").status_code == 403
    assert client.post("/tenants/acme/suspend/").status_code == 403
    assert client.post("/tenants/acme/delete/", {"confirm_slug": "acme"}).status_code == 403


def test_in_development_the_sign_in_page_says_where_the_demo_sign_ins_are(settings):
    settings.DEBUG = True
    page = root_client().get("/login/").content.decode()
    assert 'id="demo-hint"' in page and "<code>make dev</code> printed the demo sign-ins" in page
    assert "<code>platform-admin</code>, password <code>tenantry-demo</code>" in page
    settings.DEBUG = False
    assert 'id="demo-hint"' not in root_client().get("/login/").content.decode()
