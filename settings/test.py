"""The test suite: always the real PostgreSQL, MariaDB and Redis on 127.0.0.1."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("BASE_DOMAIN", "tenantry.test")
os.environ.setdefault("SITE_SCHEME", "http")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenantry")
# Named after the primary, so that runs on different primaries never share a database.
_server, _, _primary_name = os.environ["DATABASE_URL"].rpartition("/")
os.environ.setdefault("TENANT_DATABASES", f"dedicated={_server}/{_primary_name}_dedicated")
os.environ.setdefault("AUDIT_DATABASE_URL", f"mysql://root@127.0.0.1:3306/{_primary_name}_audit")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Tenant files of test runs: never the dev folder, one per primary like the databases.
os.environ.setdefault("MEDIA_ROOT", os.path.join(tempfile.gettempdir(), f"tenantry-media-{_primary_name}"))
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
