"""Every tenant host (``<slug>.<BASE_DOMAIN>`` or a custom domain)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView, TemplateView

from controlplane.health import healthz, readyz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="careers:job-list", permanent=False)),
    path("", include("careers.urls")),
    path(
        "admin/invite/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html",
            success_url=reverse_lazy("invite-done"),
        ),
        name="invite-accept",
    ),
    path(
        "admin/invite/done/",
        TemplateView.as_view(template_name="registration/password_reset_complete.html",
                             extra_context={"site_header": "Password set"}),
        name="invite-done",
    ),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
