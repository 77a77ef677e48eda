"""Tenancy off: the same careers portal as plain single-tenant Django, for the benchmark.

Same code, templates, PostgreSQL, Redis and gunicorn configuration as Tenantry; what is
missing is exactly what tenancy adds: no host -> tenant middleware, Django's own PostgreSQL
backend (no per-transaction search path), no router, and the organization is a constant.
"""

from types import SimpleNamespace

from .base import *  # noqa: F403
from .base import base_domain, caches, databases, env

SECRET_KEY = env.str("SECRET_KEY", default="single-tenant-benchmark-only")
BASE_DOMAIN = base_domain(env.str("BASE_DOMAIN", default="tenantry.test"))
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
    "audit",  # careers records CV downloads; unused on the benchmarked pages
    "audit.outbox",
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
_databases = databases(
    primary=env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tenantry_single"),
    tenants="", audit=env.str("AUDIT_DATABASE_URL", default="mysql://root@127.0.0.1:3306/tenantry_audit"))
DATABASES = {"default": {**_databases["default"], "ENGINE": "django.db.backends.postgresql"}}
DATABASE_ROUTERS = []
DATABASE_APPS_MAPPING = {}
CACHES = caches(env.str("REDIS_URL", default=""))
for _cache in CACHES.values():  # plain django-redis, keys without a schema
    _cache.pop("KEY_FUNCTION", None)
    _cache.pop("REVERSE_KEY_FUNCTION", None)
    if _cache["BACKEND"] == "observability.cache.RedisCache":
        _cache["BACKEND"] = "django_redis.cache.RedisCache"
# Plain Django's sign-in and sessions (axes and tenancy.sessions are Tenantry's additions).
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
