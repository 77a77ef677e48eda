"""Console fixtures: platform users, clients signed in on the root domain, a real browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.factories import UserFactory

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
_failed = pytest.StashKey[bool]()


@pytest.fixture
def platform_admin(db):
    return UserFactory(is_superuser=True)


@pytest.fixture
def console(platform_admin):
    """A client on the root domain, signed in as a platform admin."""
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(platform_admin)
    return client


# --- Browser tests ---------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.failed:
        item.stash[_failed] = True
    return report


def _drop_tenant_schemas() -> None:
    """Schemas outlive ``transactional_db``'s flush: drop every tenant's, on every tenant alias."""
    from tenants.placement import tenant_database_aliases

    for alias in tenant_database_aliases():
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%%'")
            for (schema,) in cursor.fetchall():
                cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def live_port(live_server, transactional_db, settings) -> int:
    """The live server's port, where tenant links (invites) point; tenants dropped after."""
    from tenancy.hosts import hosts_changed

    port = live_server.thread.port
    settings.SITE_PORT = str(port)
    _drop_tenant_schemas()
    yield port
    _drop_tenant_schemas()
    hosts_changed()  # the flush empties the domain table: no process may keep serving from it


@pytest.fixture
def browser(request, live_port, monkeypatch):
    """Debian's chromium, headless, resolving every ``*.BASE_DOMAIN`` to the live server.

    Returns ``new_page()``; each page is its own browser context (its own cookies), like a
    separate person. Every page is screenshotted into ``test-artifacts/`` if the test fails.
    """
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    domain = settings.BASE_DOMAIN
    pages = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                f"--host-resolver-rules=MAP *.{domain} 127.0.0.1, MAP {domain} 127.0.0.1",
            ],
        )

        def new_page():
            page = chromium.new_context().new_page()
            page.set_default_timeout(10_000)
            pages.append(page)
            return page

        try:
            yield new_page
        finally:
            connections.close_all()  # those the test opened while Playwright's loop was running
            if request.node.stash.get(_failed, False):
                ARTIFACTS.mkdir(exist_ok=True)
                name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
                for number, page in enumerate(pages, 1):
                    page.screenshot(path=ARTIFACTS / f"{name}-{number}.png", full_page=True)
            chromium.close()
