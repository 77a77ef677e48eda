"""The test suite: always the real PostgreSQL, MariaDB and Redis on 127.0.0.1."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("BASE_DOMAIN", "tenantry.test")
os.environ.setdefault("SITE_SCHEME", "http")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenantry")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
