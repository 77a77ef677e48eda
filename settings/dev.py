"""Local development: ``make dev``. Embedded defaults where no server is configured."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-secret-key")
os.environ.setdefault("BASE_DOMAIN", "localhost")
os.environ.setdefault("SITE_SCHEME", "http")
os.environ.setdefault("SITE_PORT", "8000")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
os.environ.setdefault("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1")  # curl localhost:8000/metrics
if not os.environ.get("DATABASE_URL"):
    from .embedded import embedded_postgres_url

    os.environ["DATABASE_URL"] = embedded_postgres_url()
if not os.environ.get("AUDIT_DATABASE_URL"):  # no MySQL at hand: the audit trail in a file
    _var = Path(__file__).resolve().parent.parent / "var"
    _var.mkdir(exist_ok=True)
    os.environ["AUDIT_DATABASE_URL"] = f"sqlite:///{_var / 'audit.sqlite3'}"

from .base import *  # noqa: E402,F403
