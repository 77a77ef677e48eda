"""The console in a real browser (Debian's chromium via Playwright) against the live server."""

import os
import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from careers.services import job_create
from tenancy import context
from tenants import services
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

STAFF_PASSWORD = "Initech-TPS-reports-2024"


def root_url(port: int, path: str = "/") -> str:
    return f"http://{settings.BASE_DOMAIN}:{port}{path}"


def tenant_site(slug: str, port: int, path: str = "/") -> str:
    return f"http://{slug}.{settings.BASE_DOMAIN}:{port}{path}"


def sign_in_to_console(page, port: int) -> None:
    admin = UserFactory(username="ops", is_superuser=True)
    page.goto(root_url(port))
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("User name").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("^Tenants"))).to_be_visible()


def test_platform_admin_provisions_initech_whose_admin_posts_a_job(live_port, browser):
    port = live_port
    acme = services.tenant_create(slug="acme", name="Acme").tenant
    with context.activated(context.scope_for_tenant(acme)):
        job_create(title="Anvil Designer")

    ops = browser()
    sign_in_to_console(ops, port)
    expect(ops.locator('tr[data-slug="acme"]')).to_contain_text("Acme")

    # Create Initech: the slug is suggested from the name and checked while typing.
    ops.get_by_role("link", name="New tenant").first.click()
    ops.get_by_label("Name").fill("Initech")
    expect(ops.get_by_label("Slug")).to_have_value("initech")
    expect(ops.locator("#slug-hint")).to_have_text("initech.tenantry.test is available.")
    ops.get_by_label("First staff admin's e-mail").fill("bill@initech.example")
    ops.get_by_role("button", name="Create tenant").click()
    expect(ops.get_by_role("status")).to_contain_text(
        f"Initech is live at {tenant_site('initech', port)}"
    )

    # The invite e-mail links to Initech's own host; its staff admin sets a password there.
    (invite,) = mail.outbox
    assert invite.to == ["bill@initech.example"]
    link = re.search(r"http://\S+/admin/invite/\S+/", invite.body).group(0)
    assert link.startswith(tenant_site("initech", port, "/admin/invite/"))
    bill = browser()
    bill.goto(link)
    bill.get_by_label("New password").fill(STAFF_PASSWORD)
    bill.get_by_label("Type it again").fill(STAFF_PASSWORD)
    bill.get_by_role("button", name="Set my password").click()
    expect(bill.locator(".messagelist")).to_contain_text("Your password is set.")

    # ...is signed in to Initech's admin and creates an open job.
    bill.goto(tenant_site("initech", port, "/admin/careers/job/add/"))
    bill.get_by_label("Title:").fill("TPS Report Analyst")
    bill.get_by_label("Open", exact=True).check()
    bill.locator('input[name="_save"]').click()
    expect(bill.locator(".messagelist")).to_contain_text("was added successfully")

    # The job shows on Initech's careers site, and not on Acme's.
    bill.goto(tenant_site("initech", port, "/jobs/"))
    expect(bill.locator("body")).to_contain_text("TPS Report Analyst")
    bill.goto(tenant_site("acme", port, "/jobs/"))
    expect(bill.locator("body")).to_contain_text("Anvil Designer")
    expect(bill.locator("body")).not_to_contain_text("TPS Report Analyst")

    # The console counts what Initech's own schema holds.
    ops.goto(root_url(port))
    initech_row = ops.locator('tr[data-slug="initech"]')
    expect(initech_row.locator("td.staff")).to_have_text("1")
    expect(initech_row.locator("td.jobs")).to_contain_text("1")

    # Suspend (after a confirmation): Initech's site answers 503; resume: it answers again.
    ops.get_by_role("link", name="Initech", exact=True).click()
    ops.get_by_role("link", name="Suspend…").click()
    ops.get_by_role("button", name="Suspend Initech").click()
    expect(ops.get_by_role("status")).to_have_text("Initech is suspended.")
    assert bill.goto(tenant_site("initech", port, "/jobs/")).status == 503
    expect(bill.get_by_role("heading")).to_have_text("Temporarily unavailable")
    assert bill.goto(tenant_site("acme", port, "/jobs/")).status == 200

    ops.get_by_role("link", name="Resume…").click()
    ops.get_by_role("button", name="Resume Initech").click()
    expect(ops.get_by_role("status")).to_have_text("Initech is resumed.")
    response = bill.goto(tenant_site("initech", port, "/jobs/"))
    assert response.status == 200
    expect(bill.locator("body")).to_contain_text("TPS Report Analyst")


def test_a_reserved_slug_is_refused_live_and_on_submit(live_port, browser):
    port = live_port
    ops = browser()
    sign_in_to_console(ops, port)
    ops.goto(root_url(port, "/create/"))
    ops.get_by_label("Name").fill("Admin")
    expect(ops.get_by_label("Slug")).to_have_value("admin")
    expect(ops.locator("#slug-hint")).to_have_text("Slug 'admin' is reserved.")
    ops.get_by_label("First staff admin's e-mail").fill("root@example.com")
    ops.get_by_role("button", name="Create tenant").click()
    expect(ops.get_by_role("alert")).to_have_text("Slug 'admin' is reserved.")
    expect(ops.get_by_label("Name")).to_have_value("Admin")  # nothing typed is lost
    expect(ops.get_by_text("Slug 'admin' is reserved.")).to_have_count(1)  # said once, not twice
    expect(ops.locator("#host-preview")).to_have_text("slug")  # no host for a slug that cannot be
    assert mail.outbox == []

    ops.get_by_label("Slug").fill("admin-team")  # typed by hand: checked as typed
    expect(ops.locator("#slug-hint")).to_have_text("admin-team.tenantry.test is available.")
    expect(ops.locator("#host-preview")).to_have_text("admin-team")
    expect(ops.get_by_role("alert")).to_have_count(0)  # the stale message went with the new answer
    ops.get_by_label("Slug").fill("ad")
    expect(ops.locator("#slug-hint")).to_contain_text("3 to 40")
    expect(ops.locator("#host-preview")).to_have_text("slug")


def test_delete_needs_the_slug_typed(live_port, browser):
    port = live_port
    services.tenant_create(slug="globex", name="Globex")
    ops = browser()
    sign_in_to_console(ops, port)
    ops.goto(root_url(port, "/tenants/globex/"))
    ops.get_by_role("link", name="Delete…").click()
    ops.get_by_label("Type the slug to confirm").fill("Globex")
    ops.get_by_role("button", name="Delete Globex and its data").click()
    expect(ops.get_by_role("alert")).to_have_text("Type globex exactly to delete this tenant.")
    ops.get_by_label("Type the slug to confirm").fill("globex")
    ops.get_by_role("button", name="Delete Globex and its data").click()
    expect(ops.get_by_role("status")).to_have_text("Globex (globex) and all its data are deleted.")
    expect(ops.locator("#tenants")).not_to_contain_text("Globex")
    assert ops.goto(tenant_site("globex", port, "/jobs/")).status == 404


def test_pending_invite_and_custom_domains_are_handled_on_the_tenant_page(live_port, browser):
    port = live_port
    services.tenant_create(slug="initech", name="Initech", admin_email="bill@initech.example")
    mail.outbox.clear()
    ops = browser()
    ops.set_viewport_size({"width": 1280, "height": 900})
    sign_in_to_console(ops, port)
    ops.goto(root_url(port, "/tenants/initech/"))
    expect(ops.locator("#pending-invite")).to_contain_text("bill@initech.example")

    ops.get_by_role("button", name="Copy invite link").click()
    link = ops.locator("#invite-link")
    expect(link).to_have_value(re.compile(re.escape(tenant_site("initech", port, "/admin/invite/"))))
    if directory := os.environ.get("SCREENSHOTS_DIR"):
        ops.screenshot(path=f"{directory}/14-console-pending-invite.png", full_page=True)
    ops.get_by_role("button", name="Resend invite").click()
    expect(ops.get_by_role("status")).to_have_text("A new invite was sent to bill@initech.example.")
    assert [message.to for message in mail.outbox] == [["bill@initech.example"]]

    ops.get_by_label("Custom domain").fill("jobs.initech.example")
    ops.get_by_role("button", name="Add domain").click()
    row = ops.locator('li[data-domain="jobs.initech.example"]')
    row.get_by_role("button", name="Make primary").click()
    expect(ops.get_by_role("status")).to_have_text("jobs.initech.example is now the primary domain of Initech.")
    expect(row).to_contain_text("primary")
    expect(row.get_by_role("button", name="Remove")).to_have_count(0)  # the primary cannot go
    own = ops.locator('li[data-domain="initech.tenantry.test"]')
    expect(own.get_by_role("button", name="Remove")).to_have_count(0)  # nor the platform address
    own.get_by_role("button", name="Make primary").click()
    ops.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Remove").click()
    expect(ops.get_by_role("status")).to_have_text("jobs.initech.example no longer serves Initech.")
    expect(ops.locator("#domains li")).to_have_count(1)
    # The form's inputs use the card's width.
    width = ops.evaluate("() => document.querySelector('#id_domain').getBoundingClientRect().width")
    card = ops.evaluate("() => document.querySelector('#id_domain').closest('.card').clientWidth")
    assert width > card * 0.8
