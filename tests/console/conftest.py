"""Console fixtures: platform users, clients signed in on the root domain."""

import pytest
from django.conf import settings
from django.test import Client

from tests.console.factories import PlatformUserFactory


@pytest.fixture
def platform_admin(db):
    return PlatformUserFactory()


@pytest.fixture
def console(platform_admin):
    """A client on the root domain, signed in as a platform admin."""
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    client.force_login(platform_admin)
    return client
