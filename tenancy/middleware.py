"""Resolves the request's host to the platform or a tenant, before anything else reads data.

It fails closed: an unknown host is a 404 that names nothing (400 outside ALLOWED_HOSTS), a
suspended tenant a 503. It runs first, so it is also where tenants' custom domains are
admitted: ALLOWED_HOSTS holds the platform's own names only, never ``*``, and a host outside
them is accepted only when the registry says a tenant serves it.
"""

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.shortcuts import render

from tenancy import context
from tenancy.hosts import site_for_host


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request._get_raw_host()
        site = site_for_host(host)
        if site is None:
            request.get_host()  # DisallowedHost (400) outside ALLOWED_HOSTS
            return render(request, "tenancy/unknown_host.html", status=404)
        if not site.is_platform and not validate_host(split_domain_port(host)[0],
                                                      settings.ALLOWED_HOSTS):
            # A tenant's custom domain: Django's own host checks later in the request must
            # accept it too, and they read ALLOWED_HOSTS only.
            request.get_host = lambda: host
        if site.is_platform:
            request.tenant, request.urlconf = None, settings.ROOT_URLCONF
        elif refused := self.refusal(request, site.tenant):
            return refused
        else:
            request.tenant, request.urlconf = site.tenant, settings.TENANT_URLCONF
        with context.activated(site.scope):
            return self.get_response(request)

    @staticmethod
    def refusal(request, tenant):
        """The answer for a tenant that is not fully open, or None when it is."""
        if getattr(tenant, "is_archived", False):
            return render(request, "tenancy/archived.html", status=410)
        if getattr(tenant, "is_read_only", False):  # moving: reads go on, writes wait a moment
            if request.method in ("GET", "HEAD", "OPTIONS"):
                return None
            response = render(request, "tenancy/read_only.html", status=503)
            response["Retry-After"] = "2"
            return response
        if not tenant.is_active:
            return render(request, "tenancy/suspended.html", {"tenant": tenant}, status=503)
        return None
