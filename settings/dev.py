"""Local development: ``make dev``. Embedded defaults where no server is configured.

With no ``DATABASE_URL``, the embedded PostgreSQL that ``make dev`` starts (``python -m
settings.embedded start``); with no ``REDIS_URL``, the local-memory cache; with no
``AUDIT_DATABASE_URL``, a SQLite file under ``var/``. Importing this starts nothing.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, base_domain, caches, databases, default_from_email, env, platform_hosts
from .embedded import recorded_url

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key")
DEBUG = env.bool("DEBUG", default=True)
BASE_DOMAIN = base_domain(env.str("BASE_DOMAIN", default="localhost"))
ALLOWED_HOSTS = platform_hosts(BASE_DOMAIN)
SITE_SCHEME = env.str("SITE_SCHEME", default="http")
SITE_PORT = env.str("SITE_PORT", default="8000")

DATABASES = databases(
    primary=env.str("DATABASE_URL", default=recorded_url() or "postgres://postgres@127.0.0.1:5432/tenantry"),
    tenants=env.str("TENANT_DATABASES", default=""),
    audit=env.str("AUDIT_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'audit.sqlite3'}"),
)
CACHES = caches(env.str("REDIS_URL", default=""))

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=["127.0.0.1", "::1"])
DEFAULT_FROM_EMAIL = default_from_email(BASE_DOMAIN)
