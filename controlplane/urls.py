"""The root domain (``BASE_DOMAIN``): platform admins."""

from django.urls import include, path

from controlplane.admin import platform_admin
from controlplane.health import healthz, readyz

urlpatterns = [
    path("admin/", platform_admin.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("", include("controlplane.console.urls")),  # the console: tenants, sign-in, audit
]
