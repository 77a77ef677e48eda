"""Audit events. ``AuditEvent`` lives on the ``audit`` alias (DATABASE_APPS_MAPPING)."""

import uuid

from django.db import models

from audit.scoping import is_platform_scope, scope_tenant_slug

EVENT_FIELDS = ("event_id", "tenant_slug", "subject_slug", "actor", "action", "object_repr", "ip", "created")


class AuditEventFields(models.Model):
    """What an event says; shared by the trail and the outbox that waits for it."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tenant_slug = models.CharField(
        "organization", max_length=40, blank=True, help_text="Empty for platform actions."
    )
    # A platform action stays in the platform's trail and is found under the organization too.
    subject_slug = models.CharField(
        "about organization", max_length=40, blank=True,
        help_text="The organization a platform action is about (tenant.created, domain.added...).",
    )
    actor = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    object_repr = models.CharField("object", max_length=200, blank=True)
    ip = models.GenericIPAddressField("IP address", null=True, blank=True)
    created = models.DateTimeField("time")

    class Meta:
        abstract = True

    def __str__(self):
        actor = self.actor or "system"
        return f"{self.created:%Y-%m-%d %H:%M:%S} {actor} {self.action} {self.object_repr}"


class TenantScopedManager(models.Manager):
    """The one place that filters the trail: a tenant reads its own rows, the platform all."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if is_platform_scope():
            return queryset
        slug = scope_tenant_slug()
        return queryset.filter(tenant_slug=slug) if slug else queryset.none()


class AuditEvent(AuditEventFields):
    objects = TenantScopedManager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["tenant_slug", "-created"], name="audit_tenant_created_idx"),
            models.Index(fields=["subject_slug", "-created"], name="audit_subject_created_idx"),
        ]
        verbose_name = "audit event"
