"""The platform admins' site on the root domain: their own users (in ``public``) and tenants."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from tenants import services
from tenancy.hosts import tenant_url
from tenants.models import Domain, Tenant


class PlatformAdminSite(admin.AdminSite):
    site_header = "Tenantry platform"
    site_title = "Tenantry platform"
    index_title = "Operate the platform"


platform_admin = PlatformAdminSite(name="platform-admin")
platform_admin.register(User, UserAdmin)
platform_admin.register(Group, GroupAdmin)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0
    readonly_fields = ["domain", "is_primary"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Tenant, site=platform_admin)
class TenantAdmin(admin.ModelAdmin):
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


