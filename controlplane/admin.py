"""The admin sites: the platform admins' on the root domain (their own users, in ``public``,
and tenants), and the organization staff's own (``admin.site`` on every tenant host), every
model audited through ``AuditedModelAdmin``."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from audit.admin import AuditedModelAdmin, PlatformAuditAdmin
from audit.models import AuditEvent
from careers.admin import StaffQuotaUserChangeForm
from tenancy.hosts import tenant_url
from tenants import services
from tenants.models import Domain, Tenant


class PlatformAdminSite(admin.AdminSite):
    site_header = "Tenantry platform"
    site_title = "Tenantry platform"
    index_title = "Operate the platform"


class AuditedUserAdmin(AuditedModelAdmin, UserAdmin):
    pass


class AuditedGroupAdmin(AuditedModelAdmin, GroupAdmin):
    pass


platform_admin = PlatformAdminSite(name="platform-admin")
platform_admin.register(User, AuditedUserAdmin)
platform_admin.register(Group, AuditedGroupAdmin)
platform_admin.register(AuditEvent, PlatformAuditAdmin)

class OrganizationUserAdmin(AuditedUserAdmin):
    """An organization's users, with its plan's quota on active staff users."""

    form = StaffQuotaUserChangeForm


# Each organization's staff manage their own users and groups (auth is a tenant app).
for model, model_admin in ((User, OrganizationUserAdmin), (Group, AuditedGroupAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    readonly_fields = ["domain", "is_primary"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tenant, site=platform_admin)
class TenantAdmin(AuditedModelAdmin):
    list_display = ["name", "slug", "status", "plan", "database_alias", "created", "site"]
    list_filter = ["status", "plan", "database_alias"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug", "schema_name", "database_alias", "status", "created"]
    fields = ["name", "slug", "plan", "status", "database_alias", "schema_name", "created"]
    inlines = [DomainInline]
    actions = ["suspend", "resume"]

    @admin.display(description="Site")
    def site(self, tenant):
        return tenant_url(tenant)

    def has_add_permission(self, request):
        return False  # provisioning goes through tenants.services (CLI or console)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Suspend selected tenants")
    def suspend(self, request, queryset):
        for tenant in queryset:
            services.tenant_suspend(tenant=tenant)
        self.message_user(request, f"Suspended {queryset.count()} tenant(s).", messages.SUCCESS)

    @admin.action(description="Resume selected tenants")
    def resume(self, request, queryset):
        for tenant in queryset:
            services.tenant_resume(tenant=tenant)
        self.message_user(request, f"Resumed {queryset.count()} tenant(s).", messages.SUCCESS)


