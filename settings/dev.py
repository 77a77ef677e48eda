"""Local development: ``make dev``. Embedded defaults where no server is configured."""

import os

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-secret-key")
os.environ.setdefault("BASE_DOMAIN", "localhost")
os.environ.setdefault("SITE_SCHEME", "http")
os.environ.setdefault("SITE_PORT", "8000")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if not os.environ.get("DATABASE_URL"):
    from .embedded import embedded_postgres_url

    os.environ["DATABASE_URL"] = embedded_postgres_url()

from .base import *  # noqa: E402,F403
