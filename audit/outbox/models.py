from django.db import models

from audit.models import EVENT_FIELDS, AuditEventFields


class PendingAuditEvent(AuditEventFields):
    """An event MySQL did not take yet; ``audit deliver`` (or the next write) moves it there."""

    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "pending audit event"

    def as_fields(self) -> dict:
        return {name: getattr(self, name) for name in EVENT_FIELDS}
