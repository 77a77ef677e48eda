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
    """Opens the invite, sets the password; the new admin lands signed in on their admin."""
    client = Client(HTTP_HOST=host)
    form = client.get(path, follow=True)
    page = form.content.decode()
    assert form.status_code == 200 and "<title>Set your password | Initech staff admin</title>" in page, page
    assert '<div id="site-name"><a href="/admin/">Initech</a></div>' in page
    assert 'Your user name is\n     <strong id="username">bill@initech.example</strong>' in page
    assert "Your password must contain at least 8 characters." in page  # the rules, before any mistake
    done = client.post(form.redirect_chain[-1][0],
                       {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert done.redirect_chain[-1] == ("/admin/", 302)
    assert (b"Your password is set. You are signed in to Initech&#x27;s staff admin as "
            b"bill@initech.example.") in done.content
    return client


def test_invite_sets_a_password_then_the_admin_signs_in_to_their_organization(invite):
    host, path = invite
    set_password(host, path)
    client = Client(HTTP_HOST=host)
    signed_in = client.post("/admin/login/?next=/admin/",
                            {"username": "bill@initech.example", "password": NEW_PASSWORD}, follow=True)
    assert signed_in.status_code == 200 and b"<h1>Jobs, applications and staff</h1>" in signed_in.content
    assert client.get("/admin/careers/job/add/").status_code == 200


def test_password_mistakes_are_shown_under_the_field_they_concern(invite):
    host, path = invite
    client = Client(HTTP_HOST=host)
    url = client.get(path, follow=True).redirect_chain[-1][0]
    short = client.post(url, {"new_password1": "abc", "new_password2": "abc"}).content.decode()
    assert re.search(r'name="new_password1"[^>]*>\s*<ul class="errorlist"[^>]*><li>This password is too short',
                     short), short
    mismatch = client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert re.search(r'name="new_password2"[^>]*>\s*<ul class="errorlist"[^>]*><li>The two password fields',
                     mismatch.content.decode())


def test_invite_works_once_then_never_again(invite):
    host, path = invite
    set_password(host, path)
    again = Client(HTTP_HOST=host).get(path, follow=True)
    assert b"This link has already been used or has expired" in again.content
    assert b'href="/admin/login/">sign in to Initech' in again.content  # somewhere useful to go
    assert b'href="/admin/password-reset/">ask for a new link</a>' in again.content
    assert b"Set my password" not in again.content


def test_invite_only_works_on_its_own_organizations_host(invite, make_tenant):
    _, path = invite
    make_tenant("acme")
    elsewhere = Client(HTTP_HOST=f"acme.{settings.BASE_DOMAIN}").get(path, follow=True)
    assert b"This link has already been used or has expired" in elsewhere.content
    assert b"Set my password" not in elsewhere.content


def test_invite_expires(invite, monkeypatch):
    host, path = invite
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)  # travel past the expiry
    expired = Client(HTTP_HOST=host).get(path, follow=True)
    assert b"This link has already been used or has expired" in expired.content
    assert b"Set my password" not in expired.content


def _links(body: str) -> list[str]:
    return re.findall(r"http://initech\.tenantry\.test(/admin/invite/[^/\s]+/[^/\s]+/)", body)


@pytest.mark.django_db(databases=["default", "audit"])
def test_console_resends_the_invite_of_a_pending_first_admin(invite, console, mailoutbox, platform_admin):
    host, first_path = invite
    page = console.get("/tenants/initech/")
    assert b"Pending invite" in page.content and b"<strong>bill@initech.example</strong>" in page.content

    resent = console.post("/tenants/initech/invite/resend/", follow=True)
    assert b"A new invite was sent to bill@initech.example." in resent.content
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["bill@initech.example"]
    (new_path,) = _links(mailoutbox[1].body)
    set_password(host, new_path)  # the resent link works...

    assert b"Pending invite" not in console.get("/tenants/initech/").content  # ...and nothing is pending
    again = console.post("/tenants/initech/invite/resend/", follow=True)
    assert b"Initech has no pending invite: its first staff admin already set a password." in again.content
    assert len(mailoutbox) == 2

    from audit.models import AuditEvent
    from audit.services import audit_deliver_everywhere

    audit_deliver_everywhere()  # what the workers do after the commit
    from tenancy import context
    with context.activated(context.public_scope()):
        resends = list(AuditEvent.objects.filter(action="invite.resent")
                       .values_list("actor", "object_repr", "subject_slug"))
    assert resends == [(platform_admin.username, "bill@initech.example for initech", "initech")]


@pytest.mark.django_db(databases=["default", "audit"])
def test_console_shows_a_fresh_invite_link_to_copy_audited(invite, console, mailoutbox):
    host, _ = invite
    shown = console.post("/tenants/initech/invite/link/")
    assert shown.status_code == 200
    (path,) = re.findall(r'id="invite-link" value="http://initech\.tenantry\.test(/admin/invite/[^"]+/)"',
                         shown.content.decode())
    assert len(mailoutbox) == 1  # nothing e-mailed
    from audit.services import audit_deliver_everywhere

    audit_deliver_everywhere()  # what the workers do after the commit
    assert console.get("/audit/", {"action": "invite.link_copied"}).content.count(b'<tr class="event">') == 1
    set_password(host, path)
    refused = console.post("/tenants/initech/invite/link/", follow=True)
    assert b"Initech has no pending invite" in refused.content and b'id="invite-link"' not in refused.content


def test_invite_buttons_need_the_change_permission(invite, make_tenant):
    from tests.factories import UserFactory

    viewer = UserFactory(perms=["view_tenant"])
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(viewer)
    assert client.post("/tenants/initech/invite/resend/").status_code == 403
    assert client.post("/tenants/initech/invite/link/").status_code == 403
    assert client.get("/tenants/initech/invite/link/").status_code == 403  # permission checked first
