from importlib import import_module
from importlib.util import find_spec

from django.apps import AppConfig, apps
from django.conf import settings


class ControlplaneConfig(AppConfig):
    name = "controlplane"
    verbose_name = "Platform"

    def ready(self):
        from django.contrib import admin

        from controlplane.admin import platform_admin
        from tenancy.admin_lookups import harden_model_admins

        # After admin's autodiscover (an earlier app): every registered ModelAdmin is there.
        harden_model_admins(admin.site, platform_admin)

        # Every app's tasks.py now, once (what a worker's autodiscovery imports), so that eager
        # sends from many threads find their task registered (the loader's import is not
        # thread-safe, and not allowed while the app registry populates).
        for name in [f"{config.name}.tasks" for config in apps.get_app_configs()] + list(
                settings.CELERY_IMPORTS):
            if find_spec(name.rpartition(".")[0]) and find_spec(name):
                import_module(name)

        from controlplane.metrics import TenantsCollector
        from observability.exposition import collector_register

        collector_register(TenantsCollector())
