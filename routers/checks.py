"""The router's configuration, as Django system checks: ``manage.py check`` reports them, and
every command that checks (runserver, migrate, ``tenants migrate``) refuses to go on."""

from django.conf import settings
from django.core import checks

from routers.database_apps_router import is_shared_app, is_tenant_app


@checks.register(checks.Tags.database, checks.Tags.models)
def check_apps_mapping(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A mapped alias must exist and belong to mapped apps alone (never hold tenants)."""
    errors = []
    for app_label, alias in settings.DATABASE_APPS_MAPPING.items():
        if alias not in settings.DATABASES:
            errors.append(checks.Error(
                f"DATABASE_APPS_MAPPING sends {app_label!r} to {alias!r}, which is not in DATABASES.",
                hint="Add the alias to DATABASES or correct the mapping.", id="routers.E001",
            ))
            continue
        engine = settings.DATABASES[alias]["ENGINE"]
        if alias == settings.TENANT_DB_ALIAS or engine == settings.POSTGRES_ENGINE:
            errors.append(checks.Error(
                f"DATABASE_APPS_MAPPING sends {app_label!r} to {alias!r}, a database for tenants: "
                "a mapped app needs an alias of its own.", id="routers.E002",
            ))
        if is_shared_app(app_label) or is_tenant_app(app_label):
            errors.append(checks.Error(
                f"App {app_label!r} is in DATABASE_APPS_MAPPING and in SHARED_APPS or TENANT_APPS: "
                "it can live in one place only.", id="routers.E003",
            ))
    return errors
