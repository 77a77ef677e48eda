from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.urls import path

from controlplane.console import load, views

app_name = "console"
urlpatterns = [
    path("", views.tenant_list, name="tenant-list"),
    path("login/", auth_views.LoginView.as_view(
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
    path("tenants/<slug:slug>/delete/", views.tenant_delete, name="tenant-delete"),
    path("audit/", views.audit_list, name="audit-list"),
    path("load/", load.tenant_load, name="tenant-load"),  # noisy neighbours: the busiest tenants now
]
