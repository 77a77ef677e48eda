"""DatabaseAppsRouter: every app, or tenant, to its own database.

1. An app label in ``DATABASE_APPS_MAPPING`` lives in that alias only (the audit app on MySQL),
   and a mapped alias holds nothing else.
2. A tenant app, while a tenant is current, lives on that tenant's alias.
3. A shared app lives on the primary (``TENANT_DB_ALIAS``).
A model with no home is an error, never a silent default. Decisions go by app label only, so
historical models in migrations (which have nothing but ``_meta``) are routed like real ones.

It answers every question itself; django-tenants' ``TenantSyncRouter`` after it (which the
``django_tenants`` app insists on) only ever sees what this one declines, which is nothing.
"""

from functools import lru_cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tenancy.context import current_scope


@lru_cache(maxsize=8)
def _labels(entries: tuple[str, ...]) -> frozenset[str]:
    """App labels of the installed apps an app list names (module paths or AppConfig paths)."""
    def named(config) -> bool:
        config_path = f"{type(config).__module__}.{type(config).__qualname__}"
        return config.name in entries or config_path in entries

    return frozenset(config.label for config in apps.get_app_configs() if named(config))


def is_tenant_app(app_label: str) -> bool:
    return app_label in _labels(tuple(settings.TENANT_APPS))


def is_shared_app(app_label: str) -> bool:
    return app_label in _labels(tuple(settings.SHARED_APPS))


class DatabaseAppsRouter:
    """Its configuration is checked by Django's system checks (``routers.checks``)."""

    def db_for_read(self, model, **hints):
        return self.database_for(model._meta.app_label)

    def db_for_write(self, model, **hints):
        return self.database_for(model._meta.app_label)

    def database_for(self, app_label: str) -> str:
        mapping = settings.DATABASE_APPS_MAPPING
        if app_label in mapping:
            return mapping[app_label]
        scope = current_scope()
        if not scope.is_public and is_tenant_app(app_label):
            return scope.database_alias
        if is_shared_app(app_label):
            return settings.TENANT_DB_ALIAS
        raise ImproperlyConfigured(
            f"No database for app {app_label!r} in the current scope ({scope.schema_name}): "
            "add it to SHARED_APPS, TENANT_APPS or DATABASE_APPS_MAPPING."
        )

    def allow_relation(self, obj1, obj2, **hints):
        """Relations only within one database; across databases, store a plain id."""
        return self._database_of(obj1) == self._database_of(obj2)

    def _database_of(self, obj) -> str:
        return obj._state.db or self.db_for_write(type(obj))  # unsaved: where it would go

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        mapping = settings.DATABASE_APPS_MAPPING
        if app_label in mapping:
            return db == mapping[app_label]
        if not (is_shared_app(app_label) or is_tenant_app(app_label)):
            raise ImproperlyConfigured(
                f"App {app_label!r} has no database: add it to SHARED_APPS, TENANT_APPS "
                "or DATABASE_APPS_MAPPING."
            )
        if db in mapping.values():
            return False  # a mapped database holds its mapped apps and nothing else
        scope = current_scope()
        if scope.is_public:
            return db == settings.TENANT_DB_ALIAS and is_shared_app(app_label)
        return db == scope.database_alias and is_tenant_app(app_label)
