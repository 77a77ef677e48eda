"""Sign-in throttling (django-axes): per organization, keyed by user name and client address;
the lockout page says nothing of the account."""

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])
WRONG = "not the password"


@pytest.fixture
def two_organizations(make_tenant, in_tenant):
    tenants = [make_tenant("acme"), make_tenant("globex")]
    for tenant in tenants:
        with in_tenant(tenant):
            UserFactory(username="boss", is_superuser=True)
    return tenants


def sign_in(client: Client, password: str, username: str = "boss", address: str = "198.51.100.1",
            path: str = "/admin/login/?next=/admin/", **headers):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address,
                       **headers)


def test_25_wrong_passwords_then_the_right_one_is_still_locked_out_on_that_tenant_only(
    two_organizations, tenant_client
):
    acme, globex = two_organizations
    attacker = tenant_client(acme)
    statuses = [sign_in(attacker, WRONG).status_code for _ in range(25)]
    assert statuses[:settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT:]) == {429}

    locked = sign_in(tenant_client(acme), PASSWORD)
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    assert tenant_client(acme).get("/admin/", REMOTE_ADDR="198.51.100.1").status_code == 302

    # Another organization's user of the same name, from the same address: unaffected.
    assert sign_in(tenant_client(globex), PASSWORD).status_code == 302
    # The same user from another address: unaffected (the key is user name and address).
    assert sign_in(tenant_client(acme), PASSWORD, address="198.51.100.2").status_code == 302


def test_the_lockout_page_is_the_same_for_a_user_who_exists_and_one_who_does_not(
    two_organizations, tenant_client
):
    acme, _ = two_organizations
    pages = []
    for username in ("boss", "nobody-by-this-name"):
        client = tenant_client(acme)
        for _ in range(settings.AXES_FAILURE_LIMIT):
            sign_in(client, WRONG, username=username)
        response = sign_in(client, PASSWORD, username=username)
        pages.append((response.status_code, response.content))
    assert pages[0] == pages[1]
    assert b"boss" not in pages[0][1] and b"nobody" not in pages[0][1]


def test_platform_admins_are_throttled_on_the_root_domain_and_behind_the_proxy(db, settings):
    UserFactory(username="root", is_superuser=True)
    settings.BEHIND_PROXY = True
    console = Client(HTTP_HOST=settings.BASE_DOMAIN)

    def attempt(password, client_address):  # nginx appends the address it saw
        return sign_in(console, password, username="root", address="127.0.0.1", path="/login/",
                       HTTP_X_FORWARDED_FOR=f"10.0.0.1, {client_address}")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(WRONG, "203.0.113.5")
    assert attempt(PASSWORD, "203.0.113.5").status_code == 429
    # A forged first entry does not move the attacker to a fresh bucket; another client is fine.
    assert attempt(PASSWORD, "203.0.113.6").status_code == 302
