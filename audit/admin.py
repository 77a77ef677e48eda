"""The trail, read-only: tenant staff see their organization's (``admin.site`` on tenant hosts),
platform admins everyone's (``platform_admin`` on the root domain). The manager filters."""

import logging

from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.db import DatabaseError, connections, router
from django.template.response import TemplateResponse

from audit.models import AuditEvent
from audit.receivers import admin_object_repr, log_entries_paused
from audit.services import Actions, audit_record
from controlplane.admin import platform_admin

logger = logging.getLogger(__name__)


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
    list_display = ["created", "tenant_slug", "actor", "action", "object_repr", "ip"]
    list_filter = ["action", "tenant_slug"]
    search_fields = [*ReadOnlyAuditAdmin.search_fields, "tenant_slug"]


def audited_delete_selected(modeladmin, request, queryset):
    """Django's bulk delete, with one audit event per deleted object."""
    opts = modeladmin.model._meta
    doomed = [(obj.pk, str(obj)) for obj in queryset] if request.POST.get("post") else []
    with log_entries_paused():
        response = delete_selected(modeladmin, request, queryset)
    if response is None:  # None: deleted; a response: the confirmation or refusal page
        for pk, text in doomed:
            audit_record(
                action=Actions.ADMIN_DELETE,
                object_repr=admin_object_repr(
                    app_label=opts.app_label, model_name=opts.model_name, object_id=pk, text=text
                ),
                request=request,
            )
    return response


audited_delete_selected.allowed_permissions = delete_selected.allowed_permissions
audited_delete_selected.short_description = delete_selected.short_description

for site, model_admin in ((admin.site, ReadOnlyAuditAdmin), (platform_admin, PlatformAuditAdmin)):
    site.register(AuditEvent, model_admin)
    site.add_action(audited_delete_selected, "delete_selected")
