"""The test suite: always the real PostgreSQL, MariaDB and Redis on 127.0.0.1."""

import json
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("BASE_DOMAIN", "tenantry.test")
os.environ.setdefault("SITE_SCHEME", "http")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenantry")
# Named after the primary, so that runs on different primaries never share a database.
_server, _, _primary_name = os.environ["DATABASE_URL"].rpartition("/")
os.environ.setdefault("TENANT_DATABASES", f"dedicated={_server}/{_primary_name}_dedicated")
os.environ.setdefault("AUDIT_DATABASE_URL", f"mysql://root@127.0.0.1:3306/{_primary_name}_audit")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# Tests that load tenants on purpose (pgbouncer, live) are not about plans: no rate limit or
# quota gets in their way. The tests of limits and quotas set their own.
os.environ.setdefault("TENANT_PLAN_LIMITS", json.dumps({
    plan: {"requests_per_second": 0, "open_jobs": None, "staff_users": None}
    for plan in ("free", "team", "enterprise")
}))

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
