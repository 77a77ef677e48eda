"""Production: no secret or server has a default, and the security settings are on."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import LOGGING, base_domain, caches, databases, default_from_email, env, platform_hosts


def required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(f"settings.prod needs the environment variable {name}")
    return value


SECRET_KEY = required("SECRET_KEY")
BASE_DOMAIN = base_domain(required("BASE_DOMAIN"))
ALLOWED_HOSTS = platform_hosts(BASE_DOMAIN)
DATABASES = databases(
    primary=required("DATABASE_URL"),
    tenants=env.str("TENANT_DATABASES", default=""),
    audit=required("AUDIT_DATABASE_URL"),
)
CACHES = caches(required("REDIS_URL"))
DEFAULT_FROM_EMAIL = default_from_email(BASE_DOMAIN)

# One JSON object a line, for the log shipper.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING["handlers"]["stderr"]["formatter"] = "json" if LOG_FORMAT == "json" else "plain"

DEBUG = False
SITE_SCHEME = "https"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
