"""The test suite: always the real PostgreSQL, MariaDB and Redis on 127.0.0.1."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import base_domain, caches, databases, default_from_email, env, plan_limits, platform_hosts

SECRET_KEY = env.str("SECRET_KEY", default="test-only-secret-key")
BASE_DOMAIN = base_domain(env.str("BASE_DOMAIN", default="tenantry.test"))
ALLOWED_HOSTS = platform_hosts(BASE_DOMAIN)
SITE_SCHEME = env.str("SITE_SCHEME", default="http")

_primary = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tenantry")
# Named after the primary, so that runs on different primaries never share a database.
_server, _, _primary_name = _primary.rpartition("/")
DATABASES = databases(
    primary=_primary,
    tenants=env.str("TENANT_DATABASES", default=f"dedicated={_server}/{_primary_name}_dedicated"),
    audit=env.str("AUDIT_DATABASE_URL", default=f"mysql://root@127.0.0.1:3306/{_primary_name}_audit"),
)
CACHES = caches(env.str("REDIS_URL", default="redis://127.0.0.1:6379/15"))
# Tenant files of test runs: never the dev folder, one per primary like the databases.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=Path(tempfile.gettempdir()) / f"tenantry-media-{_primary_name}")
# Tests that load tenants on purpose (pgbouncer, live) are not about plans: no rate limit or
# quota gets in their way. The tests of limits and quotas set their own.
TENANT_PLAN_LIMITS = plan_limits(env.json("TENANT_PLAN_LIMITS", default={
    plan: {"requests_per_second": 0, "open_jobs": None, "staff_users": None}
    for plan in ("free", "team", "enterprise")
}))

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
DEFAULT_FROM_EMAIL = default_from_email(BASE_DOMAIN)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
