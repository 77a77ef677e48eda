from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who did what, and where. Its tables live only on the ``audit`` alias (MySQL/MariaDB)."""

    name = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from audit import receivers

        receivers.connect()
