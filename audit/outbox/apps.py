from django.apps import AppConfig


class AuditOutboxConfig(AppConfig):
    """Audit events waiting for MySQL: a shared app, so its table is in the primary's ``public``."""

    name = "audit.outbox"
    label = "audit_outbox"
    verbose_name = "Audit outbox"
