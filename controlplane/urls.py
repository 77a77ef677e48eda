"""The root domain (``BASE_DOMAIN``): platform admins."""

from django.urls import path
from django.views.generic import RedirectView

from controlplane.admin import platform_admin
from controlplane.health import healthz, readyz

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", platform_admin.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
