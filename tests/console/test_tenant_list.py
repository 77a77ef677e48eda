"""The tenant list: what each tenant is, where it lives, and its size read from its own schema."""

import pytest
from django.contrib.auth import get_user_model

from careers.models import Job
from careers.services import job_create
from tenants import services

pytestmark = pytest.mark.django_db


def rows(response) -> list[str]:
    """The slugs listed, in order."""
    import re

    return re.findall(r'<tr data-slug="([^"]+)"', response.content.decode())


def row_html(response, slug: str) -> str:
    html = response.content.decode()
    start = html.index(f'<tr data-slug="{slug}"')
    return html[start:html.index("</tr>", start)]


def test_lists_each_tenant_with_its_staff_and_jobs_counted_in_its_own_schema(
    make_tenant, in_tenant, console
):
    acme = make_tenant("acme", name="Acme", plan="team", admin_email="boss@acme.example")
    globex = make_tenant("globex", name="Globex")
    with in_tenant(acme):
        job_create(title="Anvil Designer")
        job_create(title="Rocket Tester")
        job_create(title="Draft Role", status=Job.Status.DRAFT)
        get_user_model().objects.create_user(username="second", is_staff=True)
        get_user_model().objects.create_user(username="gone", is_staff=True, is_active=False)
        get_user_model().objects.create_user(username="candidate")  # not staff
    with in_tenant(globex):
        job_create(title="Doomsday Analyst")

    response = console.get("/")
    assert response.status_code == 200
    assert rows(response) == ["acme", "globex"]
    acme_row = row_html(response, "acme")
    assert '<td class="num staff">2</td>' in acme_row
    assert '<td class="num jobs">3<br><span class="muted small">2 open</span>' in acme_row
    assert "http://acme.tenantry.test" in acme_row and "Team" in acme_row and ">default<" in acme_row
    globex_row = row_html(response, "globex")
    assert '<td class="num staff">0</td>' in globex_row
    assert '<td class="num jobs">1<br>' in globex_row


def test_search_matches_name_slug_and_custom_domain(make_tenant, console):
    acme = make_tenant("acme", name="Acme Corporation")
    make_tenant("globex", name="Globex")
    services.domain_attach(tenant=acme, domain="jobs.roadrunner.example")

    assert rows(console.get("/", {"q": "corporation"})) == ["acme"]
    assert rows(console.get("/", {"q": "GLOB"})) == ["globex"]
    assert rows(console.get("/", {"q": "roadrunner"})) == ["acme"]
    nothing = console.get("/", {"q": "initech"})
    assert rows(nothing) == [] and b"No tenant matches these filters." in nothing.content


def test_filters_by_status_and_database(make_tenant, console):
    acme, globex = make_tenant("acme"), make_tenant("globex")
    services.tenant_suspend(tenant=globex)

    assert rows(console.get("/", {"status": "suspended"})) == ["globex"]
    assert rows(console.get("/", {"status": "active"})) == ["acme"]
    assert rows(console.get("/", {"alias": "default"})) == ["acme", "globex"]
    # An alias that is not configured is not a choice: the filter is ignored, never an error.
    assert console.get("/", {"alias": "nowhere"}).status_code == 200


def test_a_tenant_whose_schema_is_unreadable_shows_a_dash_not_an_error(make_tenant, console):
    from tenants import schemas

    broken, fine = make_tenant("broken"), make_tenant("fine")
    schemas.schema_drop(tenant=broken)
    response = console.get("/")
    assert response.status_code == 200
    assert "—" in row_html(response, "broken")
    assert '<td class="num staff">0</td>' in row_html(response, "fine")


@pytest.mark.django_db(databases=["default", "dedicated", "audit"])
def test_a_tenant_on_a_dedicated_database_is_counted_there_and_filtered_by_it(
    make_tenant, in_tenant, console
):
    make_tenant("acme")
    remote = make_tenant("remote", database_alias="dedicated", admin_email="boss@remote.example")
    with in_tenant(remote):
        job_create(title="Isolated Role")

    listed = console.get("/")
    assert ">dedicated<" in row_html(listed, "remote")
    assert '<td class="num staff">1</td>' in row_html(listed, "remote")
    assert '<td class="num jobs">1<br>' in row_html(listed, "remote")
    assert rows(console.get("/", {"alias": "dedicated"})) == ["remote"]
    assert rows(console.get("/", {"alias": "default"})) == ["acme"]
