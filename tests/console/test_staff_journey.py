"""An organization's staff in a real browser (Debian's chromium, 1280 px wide): from the invite
link to a published job, and back in through "Forgot your password?".

``SCREENSHOTS_DIR=docs/screenshots`` saves each page of the journey there (the README's pictures).
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from careers.demo import populate
from tenancy import context
from tenants import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]

FIRST_PASSWORD = "Anvils-and-rockets-1949"
NEW_PASSWORD = "Beep-beep-road-runner-42"
WIDTH, HEIGHT = 1280, 800


def site(port: int, path: str) -> str:
    return f"http://acme.{settings.BASE_DOMAIN}:{port}{path}"


def shoot(page, name: str) -> None:
    if directory := os.environ.get("SCREENSHOTS_DIR"):
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(directory) / f"{name}.png", full_page=True)


def link_in(message, path: str) -> str:
    return re.search(rf"http://\S+{re.escape(path)}\S+/\S+/", message.body).group(0)


def fits_the_screen(page) -> list[str]:
    """What of the change list is cut off or hidden behind a horizontal scroll bar: nothing, if []."""
    return page.evaluate("""() => {
        const results = document.querySelector('.results'), cut = [];
        if (document.documentElement.scrollWidth > window.innerWidth) cut.push('the page scrolls sideways');
        if (results.scrollWidth > results.clientWidth) cut.push('the list scrolls sideways');
        for (const cell of document.querySelectorAll('#result_list th, #result_list td'))
            if (cell.scrollWidth > cell.clientWidth + 1) cut.push(cell.textContent.trim());
        return cut;
    }""")


@pytest.fixture
def acme_invite(live_port):
    from django.core.cache import cache

    cache.clear()  # no "asked a minute ago" left by an earlier test for the same address
    acme = services.tenant_create(slug="acme", name="Acme Corporation",
                                  admin_email="boss@acme.example").tenant
    with context.activated(context.scope_for_tenant(acme)):
        populate(organization_name="Acme Corporation")  # jobs and applications to look at
    (invite,) = mail.outbox
    mail.outbox.clear()
    return link_in(invite, "/admin/invite/")


def test_staff_journey_from_invite_to_a_published_job_and_a_forgotten_password(
    live_port, browser, acme_invite
):
    port = live_port
    boss = browser()
    boss.set_viewport_size({"width": WIDTH, "height": HEIGHT})

    # The invite: the organization's own "Set your password" page, naming the user, with the rules.
    boss.goto(acme_invite)
    expect(boss).to_have_title("Set your password | Acme Corporation staff admin")
    expect(boss.locator("#site-name")).to_have_text("Acme Corporation")
    expect(boss.locator(".breadcrumbs")).to_have_text("Acme Corporation › Set your password")
    expect(boss.locator("#username")).to_have_text("boss@acme.example")
    expect(boss.locator("#password-rules")).to_contain_text("at least 8 characters")
    shoot(boss, "01-set-your-password")
    boss.get_by_label("New password").fill("anvil")
    boss.get_by_label("Type it again").fill("anvil")
    boss.get_by_role("button", name="Set my password").click()
    # The mistake is said under the password it is about.
    expect(boss.locator('input[name="new_password1"] + ul.errorlist')).to_contain_text("too short")
    shoot(boss, "02-set-your-password-mistake")
    boss.get_by_label("New password").fill(FIRST_PASSWORD)
    boss.get_by_label("Type it again").fill(FIRST_PASSWORD)
    boss.get_by_role("button", name="Set my password").click()

    # Signed in to the branded admin.
    expect(boss.locator(".messagelist")).to_contain_text(
        "Your password is set. You are signed in to Acme Corporation's staff admin as boss@acme.example.")
    expect(boss).to_have_title("Jobs, applications and staff | Acme Corporation staff admin")
    expect(boss.get_by_role("link", name="Careers page ↗")).to_have_attribute("href", "/jobs/")
    shoot(boss, "03-admin")

    # A new job is Open unless chosen otherwise: it is on the careers page at once.
    boss.goto(site(port, "/admin/careers/job/add/"))
    expect(boss.locator('input[name="status"][value="open"]')).to_be_checked()
    expect(boss.get_by_text("A draft is not published")).to_be_visible()
    boss.get_by_label("Title:").fill("Rocket Skates Tester")
    boss.get_by_label("Department:").fill("Engineering")
    boss.get_by_label("Location:").fill("Remote")
    shoot(boss, "04-new-job")
    boss.locator('input[name="_save"]').click()
    expect(boss.locator(".messagelist")).to_contain_text("was added successfully")
    shoot(boss, "05-jobs")
    assert fits_the_screen(boss) == []
    expect(boss.locator("#result_list thead")).to_contain_text("Applications")

    boss.goto(site(port, "/jobs/"))
    expect(boss.locator("body")).to_contain_text("Rocket Skates Tester")
    shoot(boss, "06-careers-page")

    boss.goto(site(port, "/admin/careers/application/"))
    shoot(boss, "07-applications")
    assert fits_the_screen(boss) == []
    for heading in ("Status", "Interviewer", "Submitted"):
        expect(boss.locator("#result_list thead")).to_contain_text(heading)
    expect(boss.locator("#result_list tbody")).to_contain_text("Rejected")
    boss.locator("#result_list tbody th a").first.click()
    history = boss.locator("#status_changes-group")
    expect(history.locator("tbody tr").first).to_be_visible()
    for caption in history.locator("td.original p").all():  # no stray caption above the rows
        expect(caption).to_be_hidden()
    shoot(boss, "08-application")

    # Signed out, the password forgotten: a link by e-mail, on Acme's own host.
    boss.locator("#logout-form button").click()
    boss.goto(site(port, "/admin/"))
    expect(boss.locator("#site-name")).to_have_text("Acme Corporation")
    shoot(boss, "09-sign-in")
    boss.get_by_role("link", name="Forgot your password?").click()
    expect(boss).to_have_title("Forgot your password? | Acme Corporation staff admin")
    shoot(boss, "10-forgot-your-password")
    boss.get_by_label("Email").fill("boss@acme.example")
    boss.get_by_role("button", name="E-mail me a link").click()
    expect(boss.locator("#sent")).to_contain_text("If that address belongs to a staff account at Acme Corporation")
    shoot(boss, "11-check-your-email")
    (reset,) = mail.outbox
    link = link_in(reset, "/admin/password-reset/")
    assert link.startswith(site(port, "/admin/password-reset/"))

    boss.goto(link)
    expect(boss).to_have_title("Choose a new password | Acme Corporation staff admin")
    shoot(boss, "12-choose-a-new-password")
    boss.get_by_label("New password").fill(NEW_PASSWORD)
    boss.get_by_label("Type it again").fill(NEW_PASSWORD)
    boss.get_by_role("button", name="Save my new password").click()
    expect(boss.locator(".messagelist")).to_contain_text("Your password is set.")

    # The new password works; the old one no longer does.
    boss.locator("#logout-form button").click()
    for password, works in ((FIRST_PASSWORD, False), (NEW_PASSWORD, True)):
        boss.goto(site(port, "/admin/login/"))
        boss.get_by_label("Username:").fill("boss@acme.example")
        boss.get_by_label("Password:").fill(password)
        boss.get_by_role("button", name="Log in").click()
        if works:
            expect(boss.get_by_role("heading", name="Jobs, applications and staff")).to_be_visible()
        else:
            expect(boss.locator(".errornote")).to_contain_text("Please enter the correct username")


def test_a_used_invite_link_says_what_to_do_and_leads_to_a_new_link(live_port, browser, acme_invite):
    port = live_port
    boss = browser()
    boss.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    boss.goto(acme_invite)
    boss.get_by_label("New password").fill(FIRST_PASSWORD)
    boss.get_by_label("Type it again").fill(FIRST_PASSWORD)
    boss.get_by_role("button", name="Set my password").click()
    expect(boss.locator(".messagelist")).to_contain_text("Your password is set.")

    someone = browser()
    someone.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    someone.goto(acme_invite)
    expect(someone).to_have_title("This link no longer works | Acme Corporation staff admin")
    expect(someone.locator("#link-unusable")).to_contain_text("already been used or has expired")
    shoot(someone, "13-used-invite-link")
    expect(someone.get_by_role("link", name="sign in to Acme Corporation's staff admin")).to_have_attribute(
        "href", "/admin/login/")
    someone.get_by_role("link", name="ask for a new link").click()
    expect(someone).to_have_url(site(port, "/admin/password-reset/"))
