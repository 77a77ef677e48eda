"""Settings for django-tenants' own ``migrate_schemas`` on Tenantry's schemas (bench/fleet.py).

``tests.fleet.settings`` with django-tenants' PostgreSQL backend (session-level search path)
and its router alone, which is what ``migrate_schemas`` is built for: one database alias.
"""

from tests.fleet.settings import *  # noqa: F403
from tests.fleet.settings import DATABASES

POSTGRES_ENGINE = "django_tenants.postgresql_backend"
for _config in DATABASES.values():
    if _config["ENGINE"] == "tenancy.backend":
        _config["ENGINE"] = POSTGRES_ENGINE
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
TENANT_MULTIPROCESSING_MAX_PROCESSES = 2  # the machine's cores, as Tenantry's --parallel default
