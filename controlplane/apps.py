from django.apps import AppConfig


class ControlplaneConfig(AppConfig):
    name = "controlplane"
    verbose_name = "Platform"

    def ready(self):
        from controlplane.metrics import TenantsCollector
        from observability.exposition import collector_register

        collector_register(TenantsCollector())
