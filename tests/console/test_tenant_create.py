"""Creating a tenant from the console: live on success, refused with the validator's message."""

import re

import pytest
from django.db import connection

from tenants import schemas
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    return {"name": "Initech", "slug": "initech", "plan": "team", "database_alias": "default",
            "admin_email": "bill@initech.example", **overrides}


def test_create_makes_the_tenant_live_and_invites_its_admin(console, mailoutbox, tenant_client,
                                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the invite leaves after the commit
        response = console.post("/create/", form_data(), follow=True)

    assert response.redirect_chain == [("/tenants/initech/", 302)]
    assert "Initech is live at http://initech.tenantry.test/" in response.content.decode()
    tenant = Tenant.objects.get(slug="initech")
    assert (tenant.name, tenant.plan, tenant.status) == ("Initech", "team", "active")
    assert schemas.schema_exists(schema_name="tenant_initech", alias="default")
    assert tenant_client(tenant).get("/jobs/").status_code == 200
    assert [mail.to for mail in mailoutbox] == [["bill@initech.example"]]
    assert re.search(r"http://initech\.tenantry\.test/admin/invite/\S+/\S+/", mailoutbox[0].body)
    assert '<dd id="staff-count">1</dd>' in response.content.decode()


@pytest.mark.django_db(databases=["default", "dedicated", "audit"])
def test_create_places_the_tenant_on_the_chosen_database(console):
    response = console.post("/create/", form_data(database_alias="dedicated"), follow=True)
    assert "<code>dedicated</code>, schema <code>tenant_initech</code>" in response.content.decode()
    assert Tenant.objects.get(slug="initech").database_alias == "dedicated"
    assert schemas.schema_exists(schema_name="tenant_initech", alias="dedicated")
    assert not schemas.schema_exists(schema_name="tenant_initech", alias="default")


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("admin", "Slug &#x27;admin&#x27; is reserved."),
        ("www", "Slug &#x27;www&#x27; is reserved."),
        ("In Itech", "may contain only lowercase letters, digits and hyphens."),
        ("ab", "must be 3 to 40 characters long."),
        ("-initech", "cannot start or end with a hyphen."),
    ],
)
def test_a_slug_the_validator_refuses_is_refused_with_its_message(console, mailoutbox, slug, message):
    response = console.post("/create/", form_data(slug=slug))
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert 'value="Initech"' in body and 'value="bill@initech.example"' in body  # nothing lost
    assert not Tenant.objects.exists() and mailoutbox == []


def test_a_taken_slug_is_refused(console, make_tenant):
    make_tenant("initech")
    response = console.post("/create/", form_data())
    assert response.status_code == 400
    assert "Slug &#x27;initech&#x27; is already taken." in response.content.decode()
    assert Tenant.objects.count() == 1


def test_missing_name_bad_email_and_unknown_database_are_refused(console):
    response = console.post("/create/", form_data(name=" ", admin_email="bill@", database_alias="mars"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    assert "Select a valid choice. mars is not one of the available choices." in body
    assert not Tenant.objects.exists()


def test_database_choices_are_the_configured_tenant_aliases(console):
    body = console.get("/create/").content.decode()
    options = re.findall(r'<option value="([^"]*)"', body[body.index('name="database_alias"'):])
    from tenants.placement import tenant_database_aliases

    assert options[: len(tenant_database_aliases())] == tenant_database_aliases()


def test_a_schema_left_without_a_tenant_is_refused_and_nothing_is_created(console, mailoutbox):
    """The schema already exists (left by hand or by a crash): refused before anything is
    written, naming the command that repairs it; the orphan is not adopted."""
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "tenant_initech"')
    response = console.post("/create/", form_data())
    body = response.content.decode()
    assert response.status_code == 400
    assert "Schema tenant_initech already exists on default without a tenant" in body
    assert "tenants doctor" in body
    assert 'value="Initech"' in body
    assert not Tenant.objects.filter(slug="initech").exists() and mailoutbox == []


def test_when_the_invite_cannot_be_sent_the_tenant_is_live_and_the_log_says_so(
        console, settings, caplog, django_capture_on_commit_callbacks):
    import socket

    with socket.socket() as probe:  # a port nothing listens on: the SMTP server is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    with caplog.at_level("ERROR", logger="tenants.tasks"), \
            django_capture_on_commit_callbacks(execute=True):
        response = console.post("/create/", form_data(), follow=True)
    body = response.content.decode()
    assert response.redirect_chain == [("/tenants/initech/", 302)]
    assert "Initech is live at http://initech.tenantry.test/" in body
    [failure] = [r for r in caplog.records if r.name == "tenants.tasks"]  # on the worker, logged
    assert "to bill@initech.example not sent after 1 attempts: [Errno 111] Connection refused" in \
        failure.getMessage()
    assert Tenant.objects.get(slug="initech").status == "active"


class TestSlugCheck:
    def test_suggests_the_slug_from_the_name(self, console):
        assert console.get("/create/check-slug/", {"name": "Initech, Inc."}).json() == {
            "slug": "initech-inc", "ok": True, "message": "initech-inc.tenantry.test is available.",
        }

    def test_suggests_the_next_free_slug_when_the_name_is_taken(self, console, make_tenant):
        make_tenant("initech")
        result = console.get("/create/check-slug/", {"name": "Initech"}).json()
        assert result["slug"] == "initech-2" and result["ok"] is True

    def test_a_reserved_or_taken_slug_is_refused_with_the_validators_message(self, console, make_tenant):
        make_tenant("initech")
        assert console.get("/create/check-slug/", {"slug": "admin"}).json() == {
            "slug": "admin", "ok": False, "message": "Slug 'admin' is reserved.",
        }
        taken = console.get("/create/check-slug/", {"slug": "initech"}).json()
        assert taken == {"slug": "initech", "ok": False, "message": "Slug 'initech' is already taken."}

    def test_a_name_that_suggests_a_reserved_slug_says_why(self, console):
        result = console.get("/create/check-slug/", {"name": "Admin"}).json()
        assert result == {"slug": "admin", "ok": False, "message": "Slug 'admin' is reserved."}

    def test_needs_a_signed_in_platform_admin(self, client, settings):
        response = client.get("/create/check-slug/", {"slug": "x"}, HTTP_HOST=settings.BASE_DOMAIN)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_an_invalid_slug_is_said_once_and_previews_no_host(console):
    page = console.post("/create/", form_data(slug="Admin!")).content.decode()
    assert page.count("lowercase") == 2  # the message under the field, and the field's help text
    assert page.count('<ul class="errorlist" role="alert"><li>') == 1
    assert '<span id="host-preview">slug</span>' in page
    valid = console.get("/create/").content.decode()
    assert '<span id="host-preview">slug</span>' in valid


def test_in_development_the_created_message_says_the_invite_was_printed(
        console, settings, capsys, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = console.post("/create/", form_data(), follow=True)
    assert ("an invite to set a password is on its way to bill@initech.example (development: the e-mail, "
            "with its link, was printed to the terminal running the server).") in response.content.decode()
    assert "/admin/invite/" in capsys.readouterr().out


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": "Newline\nCorp"}, "name", "may not contain control characters"),
    ({"name": "N" * 101}, "name", "at most 100 characters"),
    ({"slug": "ac\nme"}, "slug", "lowercase letters"),
    ({"admin_email": "b" * 140 + "@initech.example"}, "admin_email", "at most 150 are allowed"),
])
def test_hostile_input_is_a_form_error_never_a_500_and_nothing_is_created(console, overrides, field,
                                                                        message):
    response = console.post("/create/", form_data(**overrides))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not Tenant.objects.exists()
