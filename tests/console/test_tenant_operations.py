"""Suspend, resume, custom domains and deletion from the console, each behind a confirmation."""

import pytest

from careers.services import job_create
from tenants import schemas, services
from tenants.models import Domain, Tenant

pytestmark = pytest.mark.django_db


def test_suspend_asks_first_then_the_site_answers_503_until_resumed(make_tenant, console, tenant_client):
    acme = make_tenant("acme", name="Acme")

    confirm = console.get("/tenants/acme/suspend/")
    assert confirm.status_code == 200 and b"Suspend Acme?" in confirm.content
    assert Tenant.objects.get(slug="acme").status == "active"  # asking changes nothing

    done = console.post("/tenants/acme/suspend/", follow=True)
    assert b"Acme is suspended." in done.content and b'id="tenant-status">Suspended' in done.content
    assert tenant_client(acme).get("/jobs/").status_code == 503

    assert b"Resume Acme?" in console.get("/tenants/acme/resume/").content
    resumed = console.post("/tenants/acme/resume/", follow=True)
    assert b"Acme is resumed." in resumed.content
    assert tenant_client(acme).get("/jobs/").status_code == 200


def test_suspending_twice_says_so(make_tenant, console):
    make_tenant("acme", name="Acme")
    console.post("/tenants/acme/suspend/")
    again = console.post("/tenants/acme/suspend/", follow=True)
    assert b"Acme is already suspended." in again.content


def test_unknown_tenant_is_a_404(console):
    assert console.get("/tenants/nope/").status_code == 404
    assert console.post("/tenants/nope/suspend/").status_code == 404


def test_custom_domain_is_attached_and_serves_the_tenant(make_tenant, in_tenant, console, client, settings):
    acme = make_tenant("acme", name="Acme")
    with in_tenant(acme):
        job_create(title="Anvil Designer")
    response = console.post("/tenants/acme/domains/", {"domain": "Careers.Acme-Corp.example"}, follow=True)
    assert b"careers.acme-corp.example now serves Acme." in response.content
    assert b"<code>careers.acme-corp.example</code>" in response.content

    page = client.get("/jobs/", HTTP_HOST="careers.acme-corp.example")
    assert page.status_code == 200 and b"Anvil Designer" in page.content


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("not a domain", "&#x27;not a domain&#x27; is not a valid domain name."),
        ("localhost", "&#x27;localhost&#x27; is not a valid domain name."),
        ("tenantry.test", "&#x27;tenantry.test&#x27; is the platform&#x27;s own domain."),
        ("careers.globex.example", "Domain &#x27;careers.globex.example&#x27; is already in use."),
        ("globex.tenantry.test", "is under the platform&#x27;s domain tenantry.test"),
        ("futureco.tenantry.test", "is under the platform&#x27;s domain tenantry.test"),
        ("www.tenantry.test", "is under the platform&#x27;s domain tenantry.test"),
        ("", "This field is required."),
    ],
)
def test_a_domain_that_is_invalid_or_used_by_another_tenant_is_refused(make_tenant, console, domain, message):
    make_tenant("acme")
    services.domain_attach(tenant=make_tenant("globex"), domain="careers.globex.example")
    response = console.post("/tenants/acme/domains/", {"domain": domain})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert list(Domain.objects.filter(tenant__slug="acme").values_list("domain", flat=True)) == [
        "acme.tenantry.test"
    ]


def test_delete_needs_the_slug_typed_then_drops_the_schema(make_tenant, console):
    make_tenant("acme", name="Acme")

    wrong = console.post("/tenants/acme/delete/", {"confirm_slug": "Acme"})
    assert wrong.status_code == 400 and b"Type acme exactly to delete this tenant." in wrong.content
    assert Tenant.objects.filter(slug="acme").exists()
    assert schemas.schema_exists(schema_name="tenant_acme", alias="default")

    done = console.post("/tenants/acme/delete/", {"confirm_slug": "acme"}, follow=True)
    assert done.redirect_chain == [("/", 302)]
    assert b"Acme (acme) and all its data are deleted." in done.content
    assert not Tenant.objects.filter(slug="acme").exists()
    assert not Domain.objects.filter(domain="acme.tenantry.test").exists()
    assert not schemas.schema_exists(schema_name="tenant_acme", alias="default")


def test_delete_is_not_done_by_a_get(make_tenant, console):
    make_tenant("acme", name="Acme")
    page = console.get("/tenants/acme/delete/?confirm_slug=acme")
    assert page.status_code == 200 and b"Delete Acme?" in page.content
    assert Tenant.objects.filter(slug="acme").exists()


def _domains(response) -> list[str]:
    import re

    return re.findall(r'<li data-domain="([^"]+)"><code>[^<]+</code>( <span class="muted small">primary)?',
                      response.content.decode())


def test_a_custom_domain_is_made_primary_then_removed_and_stops_serving(make_tenant, console, client,
                                                                        settings):
    make_tenant("acme", name="Acme")
    console.post("/tenants/acme/domains/", {"domain": "jobs.acme.example"})
    console.post("/tenants/acme/domains/", {"domain": "careers.acme.example"})

    made = console.post("/tenants/acme/domains/primary/", {"domain": "jobs.acme.example"}, follow=True)
    assert b"jobs.acme.example is now the primary domain of Acme." in made.content
    primary = Domain.objects.filter(tenant__slug="acme", is_primary=True)
    assert list(primary.values_list("domain", flat=True)) == ["jobs.acme.example"]

    refused = console.post("/tenants/acme/domains/remove/", {"domain": "jobs.acme.example"}, follow=True)
    assert b"jobs.acme.example is the primary domain: make another domain primary first." in refused.content
    own = console.post("/tenants/acme/domains/remove/", {"domain": "acme.tenantry.test"}, follow=True)
    assert b"acme.tenantry.test is the organization&#x27;s own address on the platform" in own.content
    assert Domain.objects.filter(tenant__slug="acme").count() == 3

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "careers.acme.example"]
    assert client.get("/jobs/", HTTP_HOST="careers.acme.example").status_code == 200
    removed = console.post("/tenants/acme/domains/remove/", {"domain": "careers.acme.example"}, follow=True)
    assert b"careers.acme.example no longer serves Acme." in removed.content
    assert not Domain.objects.filter(domain="careers.acme.example").exists()
    assert client.get("/jobs/", HTTP_HOST="careers.acme.example").status_code == 404

    # Back to the platform address as primary: then the custom one can go too.
    console.post("/tenants/acme/domains/primary/", {"domain": "acme.tenantry.test"})
    page = console.post("/tenants/acme/domains/remove/", {"domain": "jobs.acme.example"}, follow=True)
    assert _domains(page) == [("acme.tenantry.test", ' <span class="muted small">primary')]


def test_domains_of_another_tenant_cannot_be_touched(make_tenant, console):
    make_tenant("acme", name="Acme")
    make_tenant("globex", name="Globex")
    console.post("/tenants/globex/domains/", {"domain": "jobs.globex.example"})
    response = console.post("/tenants/acme/domains/remove/", {"domain": "jobs.globex.example"}, follow=True)
    assert b"&#x27;jobs.globex.example&#x27; is not a domain of acme." in response.content
    assert Domain.objects.filter(domain="jobs.globex.example").exists()
    assert console.get("/tenants/acme/domains/remove/").status_code == 405  # never by a GET


@pytest.mark.django_db(databases=["default", "audit"])
def test_domain_changes_are_audited_under_the_organization(make_tenant, console, platform_admin):
    from audit.models import AuditEvent
    from audit.services import audit_deliver_everywhere
    from tenancy import context

    make_tenant("acme", name="Acme")
    console.post("/tenants/acme/domains/", {"domain": "jobs.acme.example"})
    console.post("/tenants/acme/domains/primary/", {"domain": "jobs.acme.example"})
    console.post("/tenants/acme/domains/primary/", {"domain": "acme.tenantry.test"})
    console.post("/tenants/acme/domains/remove/", {"domain": "jobs.acme.example"})
    audit_deliver_everywhere()  # what the workers do after the commit
    with context.activated(context.public_scope()):
        trail = list(AuditEvent.objects.filter(action__startswith="domain.", subject_slug="acme")
                     .order_by("id").values_list("actor", "action", "object_repr", "tenant_slug"))
    me = platform_admin.username
    assert trail == [
        (me, "domain.added", "jobs.acme.example for acme", ""),
        (me, "domain.made_primary", "jobs.acme.example for acme", ""),
        (me, "domain.made_primary", "acme.tenantry.test for acme", ""),
        (me, "domain.removed", "jobs.acme.example from acme", ""),
    ]
