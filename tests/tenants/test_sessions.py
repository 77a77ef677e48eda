"""Users, sessions and cache entries are per organization; cookies are host-only."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from tenancy import context

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


@pytest.fixture
def acme_and_globex(make_tenant, in_tenant):
    acme, globex = make_tenant("acme"), make_tenant("globex")
    for tenant in (acme, globex):
        with in_tenant(tenant):
            User.objects.create_user(f"{tenant.slug}-staff", password=PASSWORD, is_staff=True,
                                     is_superuser=True)
    return acme, globex


def sign_in(client: Client, username: str):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": PASSWORD})


def test_staff_signs_in_to_their_own_organization(acme_and_globex, tenant_client):
    acme, _ = acme_and_globex
    client = tenant_client(acme)
    response = sign_in(client, "acme-staff")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_staff_of_acme_cannot_sign_in_on_globex(acme_and_globex, tenant_client):
    _, globex = acme_and_globex
    client = tenant_client(globex)
    response = sign_in(client, "acme-staff")
    assert response.status_code == 200
    assert b"Please enter the correct username and password" in response.content
    assert client.get("/admin/").status_code == 302


def test_a_session_cookie_of_acme_is_not_signed_in_on_globex(acme_and_globex, settings):
    acme, globex = acme_and_globex
    client = Client(HTTP_HOST=f"acme.{settings.BASE_DOMAIN}")
    sign_in(client, "acme-staff")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["domain"] == ""  # host-only: browsers never send it to another host

    # Present acme's cookie to globex anyway: globex's session table does not know it.
    intruder = Client(HTTP_HOST=f"globex.{settings.BASE_DOMAIN}")
    intruder.cookies[settings.SESSION_COOKIE_NAME] = cookie.value
    response = intruder.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.get("/admin/").status_code == 200  # still signed in on acme


def test_cache_keys_carry_the_tenant(acme_and_globex):
    acme, globex = acme_and_globex
    with context.activated(context.scope_for_tenant(acme)):
        cache.set("greeting", "hello from acme")
    with context.activated(context.scope_for_tenant(globex)):
        assert cache.get("greeting") is None
    with context.activated(context.scope_for_tenant(acme)):
        assert cache.get("greeting") == "hello from acme"
        assert cache.make_key("greeting").startswith("tenant_acme:")


def test_platform_admins_and_organization_staff_are_separate(acme_and_globex, platform_client):
    User.objects.create_superuser("root-admin", password=PASSWORD)
    assert sign_in(platform_client, "acme-staff").status_code == 200  # refused on the root domain
    assert sign_in(platform_client, "root-admin").status_code == 302
    assert platform_client.get("/admin/tenants/tenant/").status_code == 200
