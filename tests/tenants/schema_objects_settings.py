"""The test settings plus a tenant app whose migration adds views, functions, triggers..., and
a template schema of its own so the suite's template stays as it is."""

from settings.test import *  # noqa: F403
from settings.test import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.tenants.schema_objects"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenants.schema_objects"]
TENANT_TEMPLATE_SCHEMA = "tenantry_template_objects"
