"""The root domain (``BASE_DOMAIN``): platform admins."""

from django.urls import include, path

from controlplane.admin import platform_admin
from controlplane.health import healthz, readyz
from observability.exposition import metrics_view

urlpatterns = [
    path("admin/", platform_admin.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),  # root domain only: tenant hosts answer 404
    path("", include("controlplane.console.urls")),  # the console: tenants, sign-in, audit
]
