"""Property-based: whatever a visitor, a tenant's staff or a platform admin sends (any URL of the
portal, the tenant admin, the console and the platform admin; any query parameter or form field;
any Host header), the answer is never a 5xx and never shows another tenant's data.

Bounded: each property has a fixed ``max_examples`` budget, so the module stays well under a
minute. The client raises any server error, so a failing example is shown with its traceback.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from careers.models import Application, Job
from controlplane.admin import platform_admin
from tests.careers.factories import ApplicationFactory, JobFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "dedicated", "audit"])

BUDGET = hypothesis_settings(
    max_examples=int(__import__("os").environ.get("PROPERTY_EXAMPLES", "100")),
    deadline=None,  # a shared CI machine: latency is not the property
    database=None,  # no example files left in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that broke things before, or could: NUL, huge and negative numbers, the last year,
# look-alikes, markup, traversal, SQL, separators; plus any text at all.
NASTY = ["\x00", "a\x00b", "99999999999", "99999999999999999999999", "-1", "0", "9999", "1e9",
         "' OR '1'='1", "<script>alert(1)</script>", "../../etc/passwd", "%00", "%", "\r\nX: y",
         "\u202e", "ａｃｍｅ", "аcme", "", " ", "0x10", "NaN", "true", "[]", "{}", "2026-02-30"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
VALUES = st.one_of(st.sampled_from(NASTY), TEXT, st.integers().map(str))
VALUES = st.one_of(st.sampled_from(NASTY), VALUES)  # half of the values from the known-nasty list
GENERIC_PARAMETERS = ["q", "page", "p", "o", "e", "all", "next", "_popup", "_to_field",
                      "_changelist_filters", "id__in", "action", "_selected_action", "index",
                      "select_across"]


def parameters(names: list[str]):
    """Query or form data for a page: mostly its own parameter names, sometimes any text."""
    key = st.one_of(st.sampled_from(sorted(set(names + GENERIC_PARAMETERS))), TEXT)
    return st.dictionaries(key, VALUES, max_size=4)


def model_admin_parameters(model_admin) -> list[str]:
    """What a change list and its forms read: filters, date hierarchy, search, field names."""
    names = ["q"]
    for entry in model_admin.list_filter:
        field = entry if isinstance(entry, str) else getattr(entry, "parameter_name", None)
        if field:
            names += [field, f"{field}__exact", f"{field}__id__exact", f"{field}__isnull"]
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    names += [field.name for field in model_admin.model._meta.fields]
    return names


def admin_pages(site, objects: dict[type, int]) -> list[tuple[str, list[str]]]:
    """Every page of an admin site with the parameters it reads: index, each model's list,
    add, and an existing, a missing and a malformed object's pages."""
    pages = [("/admin/", []), ("/admin/jsi18n/", []),
             ("/admin/autocomplete/", ["term", "app_label", "model_name", "field_name"])]
    for model, model_admin in site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        names = model_admin_parameters(model_admin)
        pages += [(base, names), (f"{base}add/", names)]
        for pk in (objects.get(model), 1, 99999999999999999999, "abc"):
            if pk is not None:
                pages += [(f"{base}{pk}/{page}/", names) for page in ("change", "history", "delete")]
    return pages


@pytest.fixture
def world(make_tenant, in_tenant):
    """acme (primary) and globex (dedicated database), each with a job, an application and a
    signed-in superuser, every one marked so that a leak shows; and a platform admin."""
    world = {}
    for slug, alias in (("acme", "default"), ("globex", "dedicated")):
        tenant = make_tenant(slug, database_alias=alias)
        marker = f"{slug.upper()}SECRET"
        with in_tenant(tenant):
            staff = UserFactory(username=f"{marker}-boss", is_superuser=True)
            job = JobFactory(title=f"{marker} engineer", description=f"{marker} description")
            application = ApplicationFactory(job=job, name=f"{marker} Candidate")
            client = Client(HTTP_HOST=f"{slug}.{settings.BASE_DOMAIN}")
            client.force_login(staff)
        objects = {Job: job.pk, Application: application.pk, type(staff): staff.pk}
        application_fields = ["name", "email", "phone", "cover_letter", "cv_url"]
        pages = [("/", []), ("/jobs/", ["q", "department", "location", "page"]),
                 (f"/jobs/{job.pk}/", []), (f"/jobs/{job.pk}/apply/", application_fields),
                 (f"/jobs/{job.pk}/apply/thanks/", []), ("/jobs/99999999999999999999/", []),
                 ("/healthz", []), ("/readyz", []), ("/admin/login/", ["username", "password"]),
                 ("/admin/invite/MQ/abc-def/", ["new_password1", "new_password2"]),
                 ("/admin/password_change/", ["old_password", "new_password1", "new_password2"]),
                 *admin_pages(admin.site, objects)]
        world[slug] = {"tenant": tenant, "marker": marker, "staff": client, "pages": pages,
                       "visitor": Client(HTTP_HOST=f"{slug}.{settings.BASE_DOMAIN}")}
    console = Client(HTTP_HOST=settings.BASE_DOMAIN)
    console.force_login(UserFactory(username="root-admin", is_superuser=True))
    acme_pk = world["acme"]["tenant"].pk
    world["console"] = {
        "client": console,
        "pages": [("/", ["q", "status", "alias", "page"]),
                  ("/create/", ["name", "slug", "plan", "database_alias", "admin_email"]),
                  ("/create/check-slug/", ["slug", "name"]), ("/tenants/acme/", []),
                  ("/tenants/nope/", []), ("/tenants/acme/suspend/", []),
                  ("/tenants/acme/resume/", []), ("/tenants/acme/delete/", ["confirm_slug"]),
                  ("/tenants/acme/domains/", ["domain"]), ("/audit/", ["q", "tenant", "action", "page"]),
                  ("/login/", ["username", "password"]), ("/healthz", []), ("/readyz", []),
                  *admin_pages(platform_admin, {type(world["acme"]["tenant"]): acme_pk})],
    }
    return world


# POSTs that would change what later examples see (sign-out, deletes, suspensions) stay GETs.
STATE_CHANGING = ("/delete/", "/logout/", "/suspend/", "/resume/")


def send(client: Client, method: str, path: str, data: dict):
    if method == "POST" and not path.endswith(STATE_CHANGING):
        return client.post(path, {key: value for key, value in data.items() if key != "post"})
    return client.get(path, data)


def assert_no_leak(response, *, foreign_markers: list[str]):
    body = response.content.decode("utf-8", "replace")
    for marker in foreign_markers:
        assert marker not in body, f"{marker} leaked"


@BUDGET
@given(data=st.data())
def test_tenant_hosts_never_5xx_and_never_show_another_tenant(world, data):
    slug = data.draw(st.sampled_from(["acme", "globex"]), label="tenant")
    side = world[slug]
    other = world["globex" if slug == "acme" else "acme"]
    client = side[data.draw(st.sampled_from(["staff", "visitor"]), label="who")]
    path, names = data.draw(st.sampled_from(side["pages"]), label="page")
    method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
    response = send(client, method, path, data.draw(parameters(names), label="parameters"))
    assert response.status_code < 500
    assert_no_leak(response, foreign_markers=[other["marker"]])


@BUDGET
@given(data=st.data())
def test_the_console_and_platform_admin_never_5xx_and_show_no_tenant_data(world, data):
    path, names = data.draw(st.sampled_from(world["console"]["pages"]), label="page")
    method = data.draw(st.sampled_from(["GET", "POST"]), label="method")
    response = send(world["console"]["client"], method, path,
                    data.draw(parameters(names), label="parameters"))
    assert response.status_code < 500
    assert_no_leak(response, foreign_markers=["ACMESECRET engineer", "GLOBEXSECRET engineer"])


HOST_PARTS = st.sampled_from(["acme", "globex", "ACME", "www", "admin", "xn--80ak6aa92e", "acme.",
                              "a" * 64, "-acme", "acme-", "*", "", "globex.acme"])
HOSTS = st.one_of(
    st.builds(lambda part, suffix: f"{part}.{settings.BASE_DOMAIN}{suffix}", HOST_PARTS,
              st.sampled_from(["", ".", ":80", ":8000", ":99999", ":abc", "\x00", " ", "/x", "@acme"])),
    st.sampled_from([settings.BASE_DOMAIN, f"{settings.BASE_DOMAIN}.", "localhost", "127.0.0.1",
                     "[::1]", "evil.example", f"acme.{settings.BASE_DOMAIN}, globex.{settings.BASE_DOMAIN}",
                     f"acme.{settings.BASE_DOMAIN}.evil.example", ""]),
    TEXT,
)


@BUDGET
@given(host=HOSTS, path=st.sampled_from(["/jobs/", "/", "/admin/login/", "/readyz"]))
def test_any_host_header_gets_its_own_site_or_a_4xx_never_a_5xx_or_another_tenant(world, host, path):
    response = Client(HTTP_HOST=host).get(path)
    assert response.status_code < 500
    served = host.lower().rstrip(".").rsplit(":", 1)[0] if host.count(":") == 1 else host.lower()
    served = served.rstrip(".")
    for slug in ("acme", "globex"):
        if served != f"{slug}.{settings.BASE_DOMAIN}":
            assert_no_leak(response, foreign_markers=[world[slug]["marker"]])
