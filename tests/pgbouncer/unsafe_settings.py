"""``settings.test`` with plain django-tenants' search path handling: only for proving that the
leak test fails without Tenantry's fix (``TENANTRY_PROOF_FIX_OFF=1``, tests/pgbouncer)."""

from settings.test import *  # noqa: F403
from settings.test import DATABASES

POSTGRES_ENGINE = "tests.pgbouncer.unsafe_backend"
for _config in DATABASES.values():
    if _config["ENGINE"] == "tenancy.backend":
        _config["ENGINE"] = POSTGRES_ENGINE
