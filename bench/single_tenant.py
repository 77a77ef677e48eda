"""The single-tenant side of the benchmark: one constant organization, the careers pages only."""

from django.urls import include, path

from controlplane.health import healthz
from settings.single_tenant import ORGANIZATION


class SingleOrganizationMiddleware:
    """The one organization this site serves (templates read ``request.tenant.name``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = ORGANIZATION
        return self.get_response(request)


urlpatterns = [path("", include("careers.urls")), path("healthz", healthz)]
