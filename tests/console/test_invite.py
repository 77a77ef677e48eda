"""The first staff admin's invite: a link on the tenant's own host that works once and expires."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def invite(console, mailoutbox, django_capture_on_commit_callbacks):
    """Initech created from the console; returns (host, path of the invite link)."""
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        console.post("/create/", {"name": "Initech", "slug": "initech", "plan": "free",
                                  "database_alias": "default", "admin_email": "bill@initech.example"})
    (mail,) = mailoutbox
    match = re.search(r"http://(initech\.tenantry\.test)(/admin/invite/[^/\s]+/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1), match.group(2)


def set_password(host: str, path: str) -> Client:
    client = Client(HTTP_HOST=host)
    form = client.get(path, follow=True)
    assert form.status_code == 200 and b"Enter new password" in form.content, form.content
    done = client.post(form.redirect_chain[-1][0],
                       {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert done.status_code == 200 and b"Your password has been set" in done.content
    return client


def test_invite_sets_a_password_then_the_admin_signs_in_to_their_organization(invite):
    host, path = invite
    client = set_password(host, path)
    signed_in = client.post("/admin/login/?next=/admin/",
                            {"username": "bill@initech.example", "password": NEW_PASSWORD}, follow=True)
    assert signed_in.status_code == 200 and b"Site administration" in signed_in.content
    assert client.get("/admin/careers/job/add/").status_code == 200


def test_invite_works_once_then_never_again(invite):
    host, path = invite
    set_password(host, path)
    again = Client(HTTP_HOST=host).get(path, follow=True)
    assert b"The password reset link was invalid" in again.content
    assert b"Enter new password" not in again.content


def test_invite_only_works_on_its_own_organizations_host(invite, make_tenant):
    _, path = invite
    make_tenant("acme")
    elsewhere = Client(HTTP_HOST=f"acme.{settings.BASE_DOMAIN}").get(path, follow=True)
    assert b"Enter new password" not in elsewhere.content


def test_invite_expires(invite, monkeypatch):
    host, path = invite
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)  # travel past the expiry
    expired = Client(HTTP_HOST=host).get(path, follow=True)
    assert b"The password reset link was invalid" in expired.content
    assert b"Enter new password" not in expired.content
