"""Everything Tenantry needs, read from the environment through one django-environ ``env``.

Environment modules (dev, test, prod) set their defaults in ``os.environ`` *before* importing
this module, so every value is read here, once, and the OS environment always wins.
"""

from pathlib import Path

import environ

from tenancy.allowed_hosts import AllowedHosts

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)

# Tenants live at <slug>.<BASE_DOMAIN>; the platform console at BASE_DOMAIN itself.
BASE_DOMAIN = env.str("BASE_DOMAIN").lower().strip(".")
ALLOWED_HOSTS = AllowedHosts(
    [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.list("EXTRA_ALLOWED_HOSTS", default=[])]
)
# Host -> tenant is cached in each process; changes reach every worker within this interval.
TENANT_HOSTS_CHECK_INTERVAL = env.float("TENANT_HOSTS_CHECK_INTERVAL", default=0.25)
# How links to a tenant's site are written (invite e-mails, the console).
SITE_SCHEME = env.str("SITE_SCHEME", default="https")
SITE_PORT = env.str("SITE_PORT", default="")

# --- Applications --------------------------------------------------------------------------
# Shared apps live in the ``public`` schema of the primary database; tenant apps in every
# tenant's own schema, so users, sessions and permissions are per organization.
SHARED_APPS = [
    "tenants",  # first: its ``migrate`` command restores Django's own (see that file)
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tenants",  # after admin: our admin sites keep Django's own templates
    "controlplane",
    "controlplane.console",  # the platform admins' console on the root domain
    "audit.outbox",  # audit events waiting for MySQL, in the primary's public schema
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "careers",
]
# Apps with a database of their own (DATABASE_APPS_MAPPING): neither shared nor per tenant.
MAPPED_APPS = ["audit"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS] + MAPPED_APPS

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tenancy.middleware.TenantMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "controlplane.urls"  # the root domain: console and platform admin
TENANT_URLCONF = "controlplane.tenant_urls"  # every tenant host
WSGI_APPLICATION = "controlplane.wsgi.application"
ASGI_APPLICATION = "controlplane.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Databases -----------------------------------------------------------------------------
# Every PostgreSQL alias uses Tenantry's backend: django-tenants' schema handling, with the
# search path carried by each transaction so that pgbouncer in transaction mode is safe.
POSTGRES_ENGINE = "tenancy.backend"


def postgres_database(url: str) -> dict:
    config = environ.Env.db_url_config(url)
    config["ENGINE"] = POSTGRES_ENGINE
    config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    config["CONN_HEALTH_CHECKS"] = True
    return config


RESERVED_ALIASES = ("default", "audit")  # the primary and the audit database


def tenant_databases(value: str) -> dict:
    """``TENANT_DATABASES=alias=url,alias=url``: dedicated PostgreSQL databases for tenants."""
    databases = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        alias, separator, url = item.partition("=")
        if not separator or not alias or not url:
            raise environ.ImproperlyConfigured(
                f"TENANT_DATABASES: {item!r} is not of the form alias=postgres://..."
            )
        if alias.strip() in RESERVED_ALIASES:
            raise environ.ImproperlyConfigured(
                f"TENANT_DATABASES: alias {alias.strip()!r} is taken "
                f"({', '.join(RESERVED_ALIASES)} are Tenantry's own); choose another name."
            )
        databases[alias.strip()] = postgres_database(url.strip())
    return databases


def audit_database(url: str) -> dict:
    """``AUDIT_DATABASE_URL``: MySQL/MariaDB through mysqlclient (dev may use a SQLite file)."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.mysql":
        config["OPTIONS"] = {
            "charset": "utf8mb4",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
            # Fail fast when MySQL is unreachable: the event waits in the outbox instead.
            "connect_timeout": env.int("AUDIT_DATABASE_CONNECT_TIMEOUT", default=2),
            "read_timeout": env.int("AUDIT_DATABASE_IO_TIMEOUT", default=5),
            "write_timeout": env.int("AUDIT_DATABASE_IO_TIMEOUT", default=5),
            **config.get("OPTIONS", {}),
        }
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {
    "default": postgres_database(env.str("DATABASE_URL")),
    **tenant_databases(env.str("TENANT_DATABASES", default="")),
    "audit": audit_database(env.str("AUDIT_DATABASE_URL")),
}
TENANT_DB_ALIAS = "default"  # the primary: control plane, and the tenants placed there

# App label -> database alias, in the spirit of DATABASES_APPS_MAPPING (routers/).
DATABASE_APPS_MAPPING: dict[str, str] = {"audit": "audit"}
DATABASE_ROUTERS = [
    "routers.database_apps_router.DatabaseAppsRouter",
    "django_tenants.routers.TenantSyncRouter",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions --------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_FUNCTION = "django_tenants.cache.make_key"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_FUNCTION": CACHE_KEY_FUNCTION,
            "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
            "TIMEOUT": 300,
            "OPTIONS": {
                # Redis is a cache in front of the database: when it is down, pages and
                # sign-in carry on from PostgreSQL, and redis-py reconnects by itself.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_FUNCTION": CACHE_KEY_FUNCTION,
        }
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_DOMAIN = None  # host-only: acme's cookie is never sent to globex
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Auth ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("INVITE_TIMEOUT_SECONDS", default=3 * 24 * 3600)
LOGIN_URL = "admin:login"

# --- Proxy ---------------------------------------------------------------------------------
# Only behind a reverse proxy that sets them (nginx terminating TLS) are these headers trusted.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

# --- E-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"Tenantry <no-reply@{BASE_DOMAIN}>")

# --- Careers portal ------------------------------------------------------------------------
# Application attempts (POSTs to /jobs/<id>/apply/) per client IP and organization per window.
CAREERS_APPLICATIONS_PER_IP = env.int("CAREERS_APPLICATIONS_PER_IP", default=10)
CAREERS_APPLICATIONS_WINDOW_SECONDS = env.int("CAREERS_APPLICATIONS_WINDOW_SECONDS", default=3600)

# --- I18N, static --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")

# --- Logging -------------------------------------------------------------------------------
# Every line names the tenant it was written for; django.request errors reach stderr always.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tenant": {"()": "tenancy.logging.TenantFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(tenant)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["tenant"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False},
        "django_redis": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}

# --- Observability and per-plan limits (observability/, tenancy/limits.py) -----------------
SHARED_APPS = [*SHARED_APPS, "observability"]  # no models: only its templates and signal handlers
INSTALLED_APPS = [*INSTALLED_APPS, "observability"]
# Outermost: request id, timing, metrics and the request log line. Right after the host ->
# tenant middleware: the tenant's request rate and statement timeout.
MIDDLEWARE = [
    "observability.middleware.RequestObservabilityMiddleware",
    *MIDDLEWARE[: MIDDLEWARE.index("tenancy.middleware.TenantMiddleware") + 1],
    "observability.middleware.TenantLimitsMiddleware",
    *MIDDLEWARE[MIDDLEWARE.index("tenancy.middleware.TenantMiddleware") + 1 :],
]
if REDIS_URL:  # cache hits and misses counted (django-redis underneath, unchanged)
    CACHES["default"]["BACKEND"] = "observability.cache.RedisCache"
# /metrics on the root domain: to these addresses or networks, or with "Authorization: Bearer".
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_ADDRESSES = env.list("METRICS_ALLOWED_ADDRESSES", default=[])
# Per-tenant series only for the top N tenants by requests over the window, plus "other".
METRICS_TOP_TENANTS = env.int("METRICS_TOP_TENANTS", default=20)
METRICS_TENANT_WINDOW_SECONDS = env.int("METRICS_TENANT_WINDOW_SECONDS", default=300)
# Each process sends its per-tenant counts to Redis at most this often (one pipeline).
METRICS_FLUSH_SECONDS = env.float("METRICS_FLUSH_SECONDS", default=1.0)
# Per plan: request rate (token bucket in Redis; 0 = unlimited), statement_timeout (0 = none),
# quotas (None = unlimited). TENANT_PLAN_LIMITS='{"free": {"burst": 50}}' overrides any value.
TENANT_PLAN_LIMITS = {
    "free": {"requests_per_second": 20, "burst": 100, "statement_timeout_ms": 5_000,
             "staff_users": 10, "open_jobs": 25},
    "team": {"requests_per_second": 100, "burst": 500, "statement_timeout_ms": 15_000,
             "staff_users": 100, "open_jobs": 500},
    "enterprise": {"requests_per_second": 500, "burst": 2_500, "statement_timeout_ms": 60_000,
                   "staff_users": None, "open_jobs": None},
}
for _plan, _overrides in env.json("TENANT_PLAN_LIMITS", default={}).items():
    TENANT_PLAN_LIMITS.setdefault(_plan, {}).update(_overrides)
# Log lines: "plain" (readable) or "json" (one JSON object a line; the default in prod).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING["filters"]["request"] = {"()": "observability.logging.RequestContextFilter"}
LOGGING["formatters"]["json"] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(tenant)s %(database_alias)s %(request_id)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
LOGGING["handlers"]["stderr"]["filters"] = ["request"]  # the tenant too, unless the line names its own
LOGGING["handlers"]["stderr"]["formatter"] = "json" if LOG_FORMAT == "json" else "plain"
LOGGING["loggers"]["tenantry.request"] = {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False}
