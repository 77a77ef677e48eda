"""The admin, audited and auditable.

``AuditedModelAdmin``: every ModelAdmin of Tenantry's admin sites derives from it, so each
add, change and deletion (one or many at once) made through an admin writes an audit event,
from the admin's own logging hooks. The trail itself is read-only: tenant staff see their
organization's (``admin.site`` on tenant hosts), platform admins everyone's
(``PlatformAuditAdmin``, registered on the platform's own site by ``controlplane.admin``).
"""

import logging

from django.contrib import admin
from django.db import DatabaseError, connections, router
from django.template.response import TemplateResponse

from audit.models import AuditEvent
from audit.services import Actions, audit_record

logger = logging.getLogger(__name__)


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

    def changelist_view(self, request, extra_context=None):
        return self._unless_unavailable(request, super().changelist_view, request, extra_context)

    def changeform_view(self, request, *args, **kwargs):
        return self._unless_unavailable(request, super().changeform_view, request, *args, **kwargs)

    def _unless_unavailable(self, request, view, *args, **kwargs):
        """The trail lives on MySQL: while it is unreachable, a 503 page says so, never a 500."""
        try:
            response = view(*args, **kwargs)
            if hasattr(response, "render"):
                response.render()  # the rows are read while rendering: inside this try
            return response
        except DatabaseError as error:
            logger.warning("audit trail unavailable: %s", error)
            connection = connections[router.db_for_read(AuditEvent)]
            if not connection.in_atomic_block:
                connection.close()  # a dropped connection stays broken; the next request reconnects
            context = {**self.admin_site.each_context(request), "title": "Audit trail unavailable"}
            return TemplateResponse(request, "audit/unavailable.html", context, status=503)

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
