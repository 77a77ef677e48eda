"""Host -> tenant, through HTTP: each organization sees only its own jobs."""

import pytest

from careers.services import job_create
from tenants import services

pytestmark = pytest.mark.django_db


def test_each_organization_sees_only_its_own_jobs(make_tenant, in_tenant, tenant_client):
    acme, globex = make_tenant("acme"), make_tenant("globex")
    with in_tenant(acme):
        job_create(title="Rocket Skates Engineer")
    with in_tenant(globex):
        job_create(title="Doomsday Device Analyst")

    acme_page = tenant_client(acme).get("/jobs/").content.decode()
    globex_page = tenant_client(globex).get("/jobs/").content.decode()

    assert "Rocket Skates Engineer" in acme_page and "Doomsday Device Analyst" not in acme_page
    assert "Doomsday Device Analyst" in globex_page and "Rocket Skates Engineer" not in globex_page
    assert "Acme" in acme_page and "Globex" in globex_page


def test_unknown_host_is_a_404_that_names_nothing(make_tenant, client, settings):
    make_tenant("acme")
    for path in ("/jobs/", "/admin/", "/"):
        response = client.get(path, HTTP_HOST=f"nope.{settings.BASE_DOMAIN}")
        assert response.status_code == 404
        body = response.content.decode()
        assert "Acme" not in body and "admin" not in body.lower()


def test_host_outside_the_base_domain_is_refused(client):
    assert client.get("/jobs/", HTTP_HOST="evil.example.org").status_code == 400


def test_suspended_tenant_answers_503_and_comes_back(make_tenant, tenant_client):
    acme = make_tenant("acme")
    services.tenant_suspend(tenant=acme)
    response = tenant_client(acme).get("/jobs/")
    assert response.status_code == 503
    assert b"temporarily unavailable" in response.content
    assert tenant_client(acme).get("/admin/login/").status_code == 503

    services.tenant_resume(tenant=acme)
    assert tenant_client(acme).get("/jobs/").status_code == 200


def test_custom_domain_serves_its_tenant_without_a_restart(make_tenant, in_tenant, client):
    acme = make_tenant("acme")
    with in_tenant(acme):
        job_create(title="Anvil Designer")
    assert client.get("/jobs/", HTTP_HOST="careers.acme-corp.example").status_code == 400

    services.domain_attach(tenant=acme, domain="Careers.Acme-Corp.example")
    response = client.get("/jobs/", HTTP_HOST="careers.acme-corp.example:443")
    assert response.status_code == 200 and b"Anvil Designer" in response.content
    assert client.get("/jobs/", HTTP_HOST="other.acme-corp.example").status_code == 400


def test_root_domain_serves_the_platform_not_a_tenant(make_tenant, platform_client):
    make_tenant("acme")
    assert platform_client.get("/jobs/").status_code == 404
    response = platform_client.get("/admin/login/")
    assert response.status_code == 200 and b"Tenantry platform" in response.content
