"""An organization's staff admin in its own name: branding, and "Forgot your password?"."""

import re

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])

NEW_PASSWORD = "Road-Runner-beep-beep-1949"


@pytest.fixture(autouse=True)
def _no_recent_reset_requests():
    """The once-a-minute guard lives in Redis under the tenant's prefix; tests reuse slugs."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme", name="Acme Corporation")


@pytest.fixture
def wile(acme, in_tenant):
    with in_tenant(acme):
        return UserFactory(username="wile", email="wile@acme.example", is_superuser=True)


def acme_client() -> Client:
    return Client(HTTP_HOST=f"acme.{settings.BASE_DOMAIN}")


def test_the_admin_carries_the_organizations_name_and_links_to_its_careers_page(acme, wile):
    client = acme_client()
    login = client.get("/admin/login/").content.decode()
    assert "<title>Log in | Acme Corporation staff admin</title>" in login
    assert '<div id="site-name"><a href="/admin/">Acme Corporation</a></div>' in login
    assert '<a class="careers-link" href="/jobs/">Careers page ↗</a>' in login
    assert "Django administration" not in login
    assert '<a href="/admin/password-reset/">Forgot your password?</a>' in login

    client.post("/admin/login/", {"username": "wile", "password": PASSWORD})
    index = client.get("/admin/").content.decode()
    assert "<h1>Jobs, applications and staff</h1>" in index and "Site administration" not in index
    assert "<title>Jobs, applications and staff | Acme Corporation staff admin</title>" in index


def test_the_platform_admin_keeps_its_own_header_and_offers_no_reset(db):
    login = Client(HTTP_HOST=settings.BASE_DOMAIN).get("/admin/login/").content.decode()
    assert "Tenantry platform" in login and "Forgot your password?" not in login


def _reset_link(message) -> str:
    return re.search(r"http://acme\.tenantry\.test(/admin/password-reset/[^/\s]+/[^/\s]+/)", message.body).group(1)


def test_forgot_password_emails_a_link_on_the_organizations_host_and_the_new_password_works(
    acme, wile, mailoutbox
):
    client = acme_client()
    form = client.get("/admin/password-reset/")
    assert b"Enter the e-mail address of your Acme Corporation staff account." in form.content
    sent = client.post("/admin/password-reset/", {"email": "WILE@acme.example"}, follow=True)
    assert sent.redirect_chain == [("/admin/password-reset/sent/", 302)]
    assert b"If that address belongs to a staff account at Acme Corporation" in sent.content

    (message,) = mailoutbox
    assert message.to == ["wile@acme.example"]
    assert message.from_email == "Acme Corporation <no-reply@tenantry.test>"
    assert message.subject == "Choose a new password for Acme Corporation"
    assert "Your user name is wile." in message.body
    path = _reset_link(message)

    reset = Client(HTTP_HOST=f"acme.{settings.BASE_DOMAIN}")
    page = reset.get(path, follow=True)
    assert b"<title>Choose a new password | Acme Corporation staff admin</title>" in page.content
    done = reset.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD}, follow=True)
    assert done.redirect_chain[-1] == ("/admin/", 302)
    fresh = acme_client()
    old = fresh.post("/admin/login/", {"username": "wile", "password": PASSWORD})
    assert old.status_code == 200  # the form again: the old password is gone
    signed_in = fresh.post("/admin/login/", {"username": "wile", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert b"This link has already been used" in acme_client().get(path, follow=True).content


def test_forgot_password_never_says_whether_an_address_exists_nor_serves_another_organization(
    acme, wile, make_tenant, in_tenant, mailoutbox
):
    globex = make_tenant("globex", name="Globex")
    with in_tenant(globex):
        UserFactory(username="hank", email="hank@globex.example")
    answers = []
    for email in ("nobody@acme.example", "hank@globex.example", "wile@acme.example"):
        response = acme_client().post("/admin/password-reset/", {"email": email})
        answers.append((response.status_code, response["Location"]))
    assert answers == [(302, "/admin/password-reset/sent/")] * 3
    assert [message.to for message in mailoutbox] == [["wile@acme.example"]]


def test_an_invited_admin_who_lost_the_invite_can_ask_for_a_link(acme, in_tenant, mailoutbox):
    from tenants.invites import staff_admin_invite

    with in_tenant(acme):
        staff_admin_invite(tenant=acme, email="boss@acme.example")  # no usable password yet
    acme_client().post("/admin/password-reset/", {"email": "boss@acme.example"})
    (message,) = mailoutbox
    assert message.to == ["boss@acme.example"] and "/admin/password-reset/" in message.body


def test_a_second_request_within_a_minute_sends_no_second_email(acme, wile, mailoutbox):
    for _ in range(3):
        response = acme_client().post("/admin/password-reset/", {"email": "wile@acme.example"})
        assert response["Location"] == "/admin/password-reset/sent/"
    assert len(mailoutbox) == 1
