"""The admin, audited and auditable.

``AuditedModelAdmin``: every ModelAdmin of Tenantry's admin sites derives from it, so each
add, change and deletion (one or many at once) made through an admin writes an audit event,
from the admin's own logging hooks. The trail itself is read-only: tenant staff see their
organization's (``admin.site`` on tenant hosts), platform admins everyone's
(``PlatformAuditAdmin``, registered on the platform's own site by ``controlplane.admin``).
"""

from django.contrib import admin

from audit.models import AuditEvent
from audit.services import Actions, audit_record


def admin_object_repr(obj) -> str:
    opts = obj._meta
    return f"{opts.app_label}.{opts.model_name} {obj.pk}: {obj}"


class AuditedModelAdmin(admin.ModelAdmin):
    def log_addition(self, request, obj, message):
        audit_record(action=Actions.ADMIN_ADD, object_repr=admin_object_repr(obj), request=request)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit_record(action=Actions.ADMIN_CHANGE, object_repr=admin_object_repr(obj), request=request)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        # Called before the rows go, for a single deletion and for delete_selected alike.
        for obj in queryset:
            audit_record(action=Actions.ADMIN_DELETE, object_repr=admin_object_repr(obj),
                         request=request)
        return super().log_deletions(request, queryset)


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    list_display = ["created", "actor", "action", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["actor", "object_repr", "action"]
    list_per_page = 50
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlatformAuditAdmin(ReadOnlyAuditAdmin):
    list_display = ["created", "tenant_slug", "subject_slug", "actor", "action", "object_repr", "ip"]
    list_filter = ["action", "tenant_slug", "subject_slug"]
    search_fields = [*ReadOnlyAuditAdmin.search_fields, "tenant_slug", "subject_slug"]


admin.site.register(AuditEvent, ReadOnlyAuditAdmin)
