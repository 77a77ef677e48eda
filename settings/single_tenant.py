"""Tenancy off: the same careers portal as plain single-tenant Django, for the benchmark.

Same code, templates, PostgreSQL, Redis and gunicorn configuration as Tenantry; what is
missing is exactly what tenancy adds: no host -> tenant middleware, Django's own PostgreSQL
backend (no per-transaction search path), no router, and the organization is a constant.
"""

import os
from types import SimpleNamespace

os.environ.setdefault("SECRET_KEY", "single-tenant-benchmark-only")
os.environ.setdefault("BASE_DOMAIN", "tenantry.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tenantry_single")
os.environ.setdefault("AUDIT_DATABASE_URL", "mysql://root@127.0.0.1:3306/tenantry_audit")

from .base import *  # noqa: E402,F403
from .base import DATABASES, env  # noqa: E402

ORGANIZATION = SimpleNamespace(name=env.str("SINGLE_TENANT_NAME", default="Acme Corporation"),
                               slug="acme", schema_name="public")


ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tenants",  # its models are imported by careers' notifications; unused here
    "careers",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bench.single_tenant.SingleOrganizationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.single_tenant"
DATABASES = {"default": {**DATABASES["default"], "ENGINE": "django.db.backends.postgresql"}}
DATABASE_ROUTERS = []
DATABASE_APPS_MAPPING = {}
for _cache in CACHES.values():  # noqa: F405
    _cache.pop("KEY_FUNCTION", None)
    _cache.pop("REVERSE_KEY_FUNCTION", None)
# Plain Django's sign-in and sessions (axes and tenancy.sessions are Tenantry's additions).
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
