from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    """An organization: its schema lives on ``database_alias``."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        MOVING = "moving", "Moving (read-only)"  # reads served, writes refused for a moment
        ARCHIVED = "archived", "Archived"  # schema dropped, data in its archive file
        # Half states across two databases: how far a create or delete got (tenants doctor).
        PROVISIONING = "provisioning", "Provisioning"
        DELETING = "deleting", "Deleting"

    class Plan(models.TextChoices):
        FREE = "free", "Free"
        TEAM = "team", "Team"
        ENTERPRISE = "enterprise", "Enterprise"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.FREE)
    database_alias = models.CharField(max_length=63, default="default")
    created = models.DateTimeField(auto_now_add=True)
    archive_name = models.CharField(max_length=255, blank=True, help_text="Its archive file.")
    archived_at = models.DateTimeField(null=True, blank=True)

    # Provisioning and deletion are explicit, in tenants.services: never a side effect of save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_read_only(self) -> bool:
        return self.status == self.Status.MOVING

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


class Domain(DomainMixin):
    """A host name that serves a tenant: ``<slug>.<BASE_DOMAIN>`` (primary) or a custom one."""

    class Meta:
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class HostsVersion(models.Model):
    """One row, bumped by a trigger in the transaction of every change to tenants or domains.

    Each process reads it at most every TENANT_HOSTS_CHECK_INTERVAL (tenancy.hosts): a committed
    change reaches every worker even if its author died right after the commit, Redis or not.
    """

    version = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "hosts version"
