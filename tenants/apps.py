from django.apps import AppConfig
from django.db.models.signals import post_delete


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self):
        from django_tenants.signals import tenant_delete_callback

        from tenancy import contenttypes, directory
        from tenants.directory import RegistryDirectory

        contenttypes.install()
        directory.register(RegistryDirectory())

        # django-tenants listens to every post_delete, which turns off Django's fast bulk
        # delete for every model (django-tenants#1223). Schemas are dropped by
        # tenants.services.tenant_delete, explicitly.
        post_delete.disconnect(tenant_delete_callback)
