from django.apps import AppConfig


class ControlplaneConfig(AppConfig):
    name = "controlplane"
    verbose_name = "Platform"

    def ready(self):
        from django.contrib import admin

        from controlplane.admin import platform_admin
        from tenancy.admin_lookups import harden_model_admins

        # After admin's autodiscover (an earlier app): every registered ModelAdmin is there.
        harden_model_admins(admin.site, platform_admin)
