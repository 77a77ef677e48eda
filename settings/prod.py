"""Production: no secret has a default, and the security settings are on."""

import os

from django.core.exceptions import ImproperlyConfigured

REQUIRED = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "BASE_DOMAIN", "AUDIT_DATABASE_URL")
missing = [name for name in REQUIRED if not os.environ.get(name)]
if missing:
    raise ImproperlyConfigured(
        f"settings.prod needs the environment variable {missing[0]}"
        + (f" (also missing: {', '.join(missing[1:])})" if missing[1:] else "")
    )

os.environ.setdefault("LOG_FORMAT", "json")  # one JSON object a line, for the log shipper

from .base import *  # noqa: E402,F403
from .base import BASE_DOMAIN, AllowedHosts, env  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = AllowedHosts(
    [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("EXTRA_ALLOWED_HOSTS", default=[])]
)
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
