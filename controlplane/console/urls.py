from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.urls import path

from controlplane.console import load, operations_views, views

app_name = "console"
urlpatterns = [
    path("", views.tenant_list, name="tenant-list"),
    path("login/", views.ConsoleLoginView.as_view(
        template_name="console/login.html",
        authentication_form=AdminAuthenticationForm,  # staff accounts only
        redirect_authenticated_user=True,
        next_page="console:tenant-list",
    ), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
    # Creation sits outside /tenants/ so that no slug ("new", ...) can shadow it.
    path("create/", views.tenant_create, name="tenant-create"),
    path("create/check-slug/", views.slug_check, name="slug-check"),
    path("tenants/<slug:slug>/", views.tenant_detail, name="tenant-detail"),
    path("tenants/<slug:slug>/suspend/", views.tenant_status, {"action": "suspend"}, name="tenant-suspend"),
    path("tenants/<slug:slug>/resume/", views.tenant_status, {"action": "resume"}, name="tenant-resume"),
    path("tenants/<slug:slug>/domains/", views.domain_attach, name="domain-attach"),
    path("tenants/<slug:slug>/domains/remove/", views.domain_detach, name="domain-detach"),
    path("tenants/<slug:slug>/domains/primary/", views.domain_make_primary, name="domain-make-primary"),
    path("tenants/<slug:slug>/invite/resend/", views.invite_resend, name="invite-resend"),
    path("tenants/<slug:slug>/invite/link/", views.invite_link_copy, name="invite-link"),
    path("tenants/<slug:slug>/delete/", views.tenant_delete, name="tenant-delete"),
    path("tenants/<slug:slug>/move/", views.tenant_move, name="tenant-move"),
    path("databases/", views.database_list, name="database-list"),
    path("audit/", views.audit_list, name="audit-list"),
    path("operations/", operations_views.operation_list, name="operation-list"),
    path("operations/status.json", operations_views.operation_status, name="operation-status"),
    path("operations/<int:operation_id>.json", operations_views.operation_detail_json, name="operation-json"),
    path("operations/start/", operations_views.operation_start, name="operation-start"),
    path("load/", load.tenant_load, name="tenant-load"),  # noisy neighbours: the busiest tenants now
]
