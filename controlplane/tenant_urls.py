"""Every tenant host (``<slug>.<BASE_DOMAIN>`` or a custom domain)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from controlplane import staff_access
from controlplane.health import healthz, readyz

# The organization's name heads every page (templates/admin/base_site.html); this is the index's.
admin.site.index_title = "Jobs, applications and staff"
admin.site.site_url = "/jobs/"  # "View site": the organization's careers page
# The change lists need the width of a 1280 px screen; the breadcrumbs and index lead everywhere.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="careers:job-list", permanent=False)),
    path("", include("careers.urls")),
    path("admin/invite/<uidb64>/<token>/", staff_access.SetPasswordView.as_view(),
         name="invite-accept"),
    path("admin/password-reset/", staff_access.ForgotPasswordView.as_view(),
         name="staff-password-reset"),
    path("admin/password-reset/sent/", staff_access.ForgotPasswordSentView.as_view(),
         name="staff-password-reset-sent"),
    path("admin/password-reset/<uidb64>/<token>/", staff_access.SetPasswordView.as_view(reset=True),
         name="staff-password-reset-confirm"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
