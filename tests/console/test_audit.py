"""The platform's audit trail in the console: every console action, by whom, newest first."""

import re

import pytest
from django.conf import settings
from django.test import Client

from audit.services import audit_deliver_everywhere
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])


def events(response) -> list[tuple[str, str, str]]:
    """(actor, action, object) of each listed event, in order."""
    html = response.content.decode()
    return re.findall(
        r'<tr class="event">.*?<td>([^<]*)</td>\s*<td><code>([^<]*)</code></td>\s*<td>([^<]*)</td>',
        html, flags=re.S,
    )


def test_console_actions_are_in_the_trail_with_their_actor(console, platform_admin):
    console.post("/create/", {"name": "Initech", "slug": "initech", "plan": "free",
                              "database_alias": "default", "admin_email": "bill@initech.example"})
    console.post("/tenants/initech/suspend/")
    console.post("/tenants/initech/domains/", {"domain": "jobs.initech.example"})
    audit_deliver_everywhere()  # what the workers do once the test's transaction would commit

    response = console.get("/audit/")
    assert response.status_code == 200 and b'href="/audit/" class="current">Audit trail' in response.content
    listed = events(response)
    me = platform_admin.username
    assert listed[:3] == [
        (me, "domain.added", "jobs.initech.example for initech"),
        (me, "tenant.suspended", "initech"),
        (me, "tenant.created", "initech on default"),
    ]
    only_suspensions = events(console.get("/audit/", {"action": "tenant.suspended"}))
    assert only_suspensions == [(me, "tenant.suspended", "initech")]
    assert events(console.get("/audit/", {"q": "jobs.initech"})) == [
        (me, "domain.added", "jobs.initech.example for initech")
    ]


def test_the_trail_needs_its_permission(make_tenant):
    viewer = UserFactory(perms=["view_tenant"])
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(viewer)
    assert client.get("/audit/").status_code == 403
    assert b'href="/audit/"' not in client.get("/").content


def test_filtering_by_organization_shows_the_platforms_actions_about_it(console, platform_admin,
                                                                       make_tenant, in_tenant):
    from audit.services import audit_record

    console.post("/create/", {"name": "Initech", "slug": "initech", "plan": "free",
                              "database_alias": "default", "admin_email": "bill@initech.example"})
    console.post("/tenants/initech/suspend/")
    console.post("/tenants/initech/resume/")
    console.post("/tenants/initech/domains/", {"domain": "jobs.initech.example"})
    acme = make_tenant("acme", name="Acme")
    with in_tenant(acme):
        audit_record(action="applications.exported", object_repr="acme own", actor="wile")

    audit_deliver_everywhere()  # what the workers do after the commit
    me = platform_admin.username
    response = console.get("/audit/", {"tenant": "initech"})
    assert events(response) == [
        (me, "domain.added", "jobs.initech.example for initech"),
        (me, "tenant.resumed", "initech"),
        (me, "tenant.suspended", "initech"),
        (me, "tenant.created", "initech on default"),
    ]
    # Filed under the platform, and said to be about the organization.
    assert b'<span class="muted">platform</span> <span class="muted small">about</span> <code>initech</code>' \
        in response.content
    assert events(console.get("/audit/", {"tenant": "acme"})) == [
        ("wile", "applications.exported", "acme own"), ("system", "tenant.created", "acme on default"),
    ]
    platform_only = [action for _, action, _ in events(console.get("/audit/", {"tenant": "-"}))]
    assert "tenant.created" in platform_only and "applications.exported" not in platform_only
