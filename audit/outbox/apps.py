from django.apps import AppConfig


class AuditOutboxConfig(AppConfig):
    """Audit events waiting for MySQL: shared and per tenant, so an event waits on its action's database."""

    name = "audit.outbox"
    label = "audit_outbox"
    verbose_name = "Audit outbox"
