"""Everything Tenantry needs, read from the environment through one django-environ ``env``.

Environment modules (dev, test, prod) start with ``from .base import *`` and override: each
reads what differs per environment (secrets, servers, the base domain) with ``env(...)`` and
its own defaults (prod: none), and builds the settings that derive from it with the
functions below. Importing any settings module starts nothing and writes nothing.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def base_domain(value: str) -> str:
    """Tenants live at <slug>.<BASE_DOMAIN>; the platform console at BASE_DOMAIN itself."""
    return value.lower().strip(".")


def platform_hosts(domain: str) -> list[str]:
    """The root domain and every subdomain; tenants' custom domains are admitted by the host
    middleware (``tenancy.middleware``) once the registry vouches for them, never by ``*``."""
    return [domain, f".{domain}", *env.list("EXTRA_ALLOWED_HOSTS", default=[])]

# Host -> tenant is cached in each process; changes reach every worker within this interval
# (one primary-key read per process per interval, about 1 ms a second at 0.1 s). A move's
# write freeze waits for it twice; a fleet of thousands of processes may want it longer.
TENANT_HOSTS_CHECK_INTERVAL = env.float("TENANT_HOSTS_CHECK_INTERVAL", default=0.1)
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
    "routers",  # no models: its system checks
    "controlplane",
    "controlplane.console",  # the platform admins' console on the root domain
    "audit.outbox",  # platform audit events waiting for MySQL, in the primary's public schema
    "axes",  # sign-in throttling of platform admins (its attempts in public)
    "operations",  # durable background operations (Celery), in the primary's public schema
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "careers",
    "axes",  # sign-in throttling of each organization's staff, in its own schema
    "audit.outbox",  # a tenant's audit events wait in its own schema, in its action's transaction
]
# Apps with a database of their own (DATABASE_APPS_MAPPING): neither shared nor per tenant.
MAPPED_APPS = ["audit"]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS] + MAPPED_APPS

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"

MIDDLEWARE = [
    "tenancy.request_guard.RefuseNulMiddleware",  # 400 for NUL, which no query can carry
    "tenancy.middleware.TenantMiddleware",  # host -> tenant, and custom domains admitted
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tenancy.sessions.SessionCacheUnavailableMiddleware",  # 503 when a sign-out must wait
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # answers a locked-out sign-in (after the view)
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


def databases(*, primary: str, tenants: str, audit: str) -> dict:
    """``DATABASES`` from ``DATABASE_URL``, ``TENANT_DATABASES`` and ``AUDIT_DATABASE_URL``."""
    return {
        "default": postgres_database(primary),
        **tenant_databases(tenants),
        "audit": audit_database(audit),
    }


TENANT_DB_ALIAS = "default"  # the primary: control plane, and the tenants placed there

# App label -> database alias, in the spirit of DATABASES_APPS_MAPPING (routers/).
DATABASE_APPS_MAPPING: dict[str, str] = {"audit": "audit"}
DATABASE_ROUTERS = [
    "routers.database_apps_router.DatabaseAppsRouter",
    "django_tenants.routers.TenantSyncRouter",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Fleet migrations (`tenants migrate`, fleet/) ------------------------------------------
# Each tenant schema's migration waits this long for a lock, then is retried with backoff.
FLEET_LOCK_TIMEOUT = env.float("FLEET_LOCK_TIMEOUT", default=2.0)
FLEET_LOCK_RETRIES = env.int("FLEET_LOCK_RETRIES", default=3)
# Workers at once on one database, whatever --parallel says.
FLEET_CONNECTIONS_PER_DATABASE = env.int("FLEET_CONNECTIONS_PER_DATABASE", default=8)

# --- Cache and sessions --------------------------------------------------------------------
CACHE_KEY_FUNCTION = "django_tenants.cache.make_key"  # every key starts with its schema


def caches(redis_url: str) -> dict:
    """Redis through django-redis, or (dev without ``REDIS_URL``) the local-memory cache."""
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                            "KEY_FUNCTION": CACHE_KEY_FUNCTION}}
    return {
        "default": {
            # django-redis, with its hits and misses counted (observability.cache)
            "BACKEND": "observability.cache.RedisCache",
            "LOCATION": redis_url,
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


DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# cached_db that never lets a deleted or rotated session back in from a stale cache entry.
SESSION_ENGINE = "tenancy.sessions"
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

# --- Hardening (issue 18) ------------------------------------------------------------------
# Who sees /readyz's per-check details (database aliases, error types); others get the status.
READYZ_DETAIL_ALLOWED_IPS = env.list("READYZ_DETAIL_ALLOWED_IPS", default=["127.0.0.1/8", "::1"])

# Sign-in throttling (django-axes): per tenant, since its attempts live in the tenant's schema
# (the platform's in public), keyed by user name and client address together.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("SIGN_IN_LOCKOUT_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "tenancy.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "tenancy/locked_out.html"  # says nothing of the account
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are already in the audit trail
AXES_VERBOSE = False

# --- E-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")


def default_from_email(domain: str) -> str:
    return env.str("DEFAULT_FROM_EMAIL", default=f"Tenantry <no-reply@{domain}>")


EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))  # filebased backend

# --- Careers portal ------------------------------------------------------------------------
# Accepted applications per client IP (tenancy.client_ip) and organization per window.
CAREERS_APPLICATIONS_PER_IP = env.int("CAREERS_APPLICATIONS_PER_IP", default=10)
CAREERS_APPLICATIONS_WINDOW_SECONDS = env.int("CAREERS_APPLICATIONS_WINDOW_SECONDS", default=3600)
# Attempts of any outcome (invalid forms, duplicates) per IP and window: a far higher limit, so a
# candidate who fumbles the form is not locked out (only accepted applications count above).
CAREERS_APPLICATION_ATTEMPTS_PER_IP = env.int("CAREERS_APPLICATION_ATTEMPTS_PER_IP", default=50)

# Where a tenant goes when `tenants create` names no database: "primary" or "fewest-tenants".
TENANT_PLACEMENT = env.str("TENANT_PLACEMENT", default="primary")

# --- Tenant lifecycle ----------------------------------------------------------------------
TENANT_ARCHIVE_RETENTION_DAYS = env.int("TENANT_ARCHIVE_RETENTION_DAYS", default=30)
# A moved tenant's source schema is kept (renamed moved_<slug>_<time>) this long, for a way back.
TENANT_MOVE_RETENTION_DAYS = env.int("TENANT_MOVE_RETENTION_DAYS", default=7)

# --- Tenant files --------------------------------------------------------------------------
# Every file field stores through tenancy.storage.TenantStorage: each name under the current
# tenant's schema name, on the backend chosen here. Files are private: nothing serves
# MEDIA_ROOT or a MEDIA_URL; a view checks the user, then streams the file (or hands it to
# nginx's internal location, TENANT_FILES_X_ACCEL_REDIRECT).
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
TENANT_FILES_BACKEND = env.str("TENANT_FILES_BACKEND", default="filesystem")
if TENANT_FILES_BACKEND == "filesystem":
    # No location: FileSystemStorage reads MEDIA_ROOT when used (tests point it elsewhere).
    _tenant_files = {"backend": "django.core.files.storage.FileSystemStorage"}
elif TENANT_FILES_BACKEND == "s3":
    _tenant_files = {
        "backend": "storages.backends.s3.S3Storage",
        "backend_options": {
            "bucket_name": env.str("TENANT_FILES_S3_BUCKET"),
            "endpoint_url": env.str("TENANT_FILES_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("TENANT_FILES_S3_REGION", default=None),
            # Unset: boto3's own chain (AWS_* variables, instance role).
            "access_key": env.str("TENANT_FILES_S3_ACCESS_KEY_ID", default=None),
            "secret_key": env.str("TENANT_FILES_S3_SECRET_ACCESS_KEY", default=None),
            "location": env.str("TENANT_FILES_S3_LOCATION", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise environ.ImproperlyConfigured(
        f"TENANT_FILES_BACKEND={TENANT_FILES_BACKEND!r}: use filesystem or s3"
    )
STORAGES = {
    "default": {"BACKEND": "tenancy.storage.TenantStorage", "OPTIONS": _tenant_files},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Archives (``tenants archive``): a directory by default; an object store through
    # django-storages by naming its backend (e.g. storages.backends.s3.S3Storage) and options.
    "tenant_archives": {
        "BACKEND": env.str("TENANT_ARCHIVE_STORAGE",
                           default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": {"location": env.str("TENANT_ARCHIVE_DIR", default=str(BASE_DIR / "var" / "archives"))},
    },
}
# "/_tenant_files/" behind nginx (the file system backend only): nginx sends the bytes.
TENANT_FILES_X_ACCEL_REDIRECT = env.str("TENANT_FILES_X_ACCEL_REDIRECT", default="")
if TENANT_FILES_X_ACCEL_REDIRECT and TENANT_FILES_BACKEND != "filesystem":
    raise environ.ImproperlyConfigured(
        "TENANT_FILES_X_ACCEL_REDIRECT needs TENANT_FILES_BACKEND=filesystem (nginx reads MEDIA_ROOT)"
    )
# Owner and group only: nginx (in the service's group) reads them for X-Accel-Redirect.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Uploads above this many bytes go to a temporary file, and that file stops growing past the
# largest upload we accept (the form then refuses it): a huge body never fills the disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "careers.uploads.BoundedTemporaryFileUploadHandler",
]
# A candidate's CV: PDF, DOCX or ODT, checked by content, at most this many bytes.
CAREERS_CV_MAX_SIZE = env.int("CAREERS_CV_MAX_SIZE", default=10 * 1024 * 1024)

# --- Background tasks (Celery) -------------------------------------------------------------
# RabbitMQ (amqp://...) in production, Redis (redis://...) works too. Unset: every task runs
# eagerly in-process at the point it would have been sent (dev's first run, the test suite).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False  # an eager task's failure is logged, like a worker's
CELERY_TASK_IGNORE_RESULT = True  # durable state lives in PostgreSQL (operations), not a backend
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a task whose worker died is delivered again...
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # ...even when only the pool process died
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # long tasks: a worker holds one message at a time
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)  # None: one per CPU
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="tenantry")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}  # Redis: redelivery after this
# Sending a message waits at most this long for the broker before the durable record takes over.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2}
# Connections are recycled as Django does per request (controlplane/celery.py), not by Celery's
# fixup, which would otherwise open a new one for every task.
CELERY_DB_REUSE_MAX = 2**31
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # keep LOGGING (tenant on every line)
CELERY_IMPORTS = env.list("CELERY_EXTRA_IMPORTS", default=[])  # tests load their task modules
# An operation whose worker has not reported for this long is taken over or failed (beat).
OPERATIONS_STALE_SECONDS = env.int("OPERATIONS_STALE_SECONDS", default=120)
OPERATIONS_MAX_ATTEMPTS = env.int("OPERATIONS_MAX_ATTEMPTS", default=3)
# A queued operation or task the broker did not take is sent again after this long (beat).
OPERATIONS_REQUEUE_AFTER_SECONDS = env.int("OPERATIONS_REQUEUE_AFTER_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "operations-sweep": {"task": "operations.sweep", "schedule": env.float(
        "OPERATIONS_SWEEP_SECONDS", default=30.0)},
    "audit-outbox-deliver": {"task": "operations.fan_out", "schedule": env.float(
        "AUDIT_DELIVER_SECONDS", default=60.0), "kwargs": {"task_name": "audit.outbox_deliver",
                                                        "include_suspended": True}},
}

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
DEFAULT_PLAN_LIMITS = {
    "free": {"requests_per_second": 20, "burst": 100, "statement_timeout_ms": 5_000,
             "staff_users": 10, "open_jobs": 25},
    "team": {"requests_per_second": 100, "burst": 500, "statement_timeout_ms": 15_000,
             "staff_users": 100, "open_jobs": 500},
    "enterprise": {"requests_per_second": 500, "burst": 2_500, "statement_timeout_ms": 60_000,
                   "staff_users": None, "open_jobs": None},
}


def plan_limits(overrides: dict) -> dict:
    """The default limits, with ``overrides`` (plan -> values) laid over them."""
    limits = {plan: dict(values) for plan, values in DEFAULT_PLAN_LIMITS.items()}
    for plan, values in overrides.items():
        limits.setdefault(plan, {}).update(values)
    return limits


TENANT_PLAN_LIMITS = plan_limits(env.json("TENANT_PLAN_LIMITS", default={}))
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
