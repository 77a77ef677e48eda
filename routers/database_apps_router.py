"""DatabaseAppsRouter: every app, or tenant, to its own database.

1. An app label in ``DATABASE_APPS_MAPPING`` lives in that alias only (the audit app on MySQL).
2. A tenant app, while a tenant is current, lives on that tenant's alias.
3. A shared app lives on the primary (``TENANT_DB_ALIAS``).
A model with no home is an error, never a silent default.

It answers every question itself; django-tenants' ``TenantSyncRouter`` after it (which the
``django_tenants`` app insists on) only ever sees what this one declines, which is nothing.
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tenants.context import current_scope


def _app_name(app_label: str) -> str:
    return apps.get_app_config(app_label).name


def is_tenant_app(app_label: str) -> bool:
    return _app_name(app_label) in settings.TENANT_APPS


def is_shared_app(app_label: str) -> bool:
    return _app_name(app_label) in settings.SHARED_APPS


class DatabaseAppsRouter:
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
        return obj1._state.db == obj2._state.db

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        mapping = settings.DATABASE_APPS_MAPPING
        if app_label in mapping:
            return db == mapping[app_label]
        if db in mapping.values():
            return False  # a mapped database holds its mapped apps and nothing else
        scope = current_scope()
        if scope.is_public:
            return db == settings.TENANT_DB_ALIAS and self._known(app_label, is_shared_app)
        return db == scope.database_alias and self._known(app_label, is_tenant_app)

    @staticmethod
    def _known(app_label: str, belongs) -> bool:
        if not (is_shared_app(app_label) or is_tenant_app(app_label)):
            raise ImproperlyConfigured(
                f"App {app_label!r} has no database: add it to SHARED_APPS, TENANT_APPS "
                "or DATABASE_APPS_MAPPING."
            )
        return belongs(app_label)
