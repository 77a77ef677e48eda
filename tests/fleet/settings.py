"""``settings.test`` plus a tenant app whose migrations come in stages: ``FLEET_TEST_STAGE=N``
gives it the first N migrations (tests/fleet, bench/fleet.py)."""

import os

from settings.test import *  # noqa: F403
from settings.test import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "tests.fleet.fleetapp"]
INSTALLED_APPS = [*INSTALLED_APPS, "tests.fleet.fleetapp"]
MIGRATION_MODULES = {"fleetapp": f"tests.fleet.fleetapp.stages.s{int(os.environ.get('FLEET_TEST_STAGE', '1'))}"}
