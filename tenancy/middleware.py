"""Resolves the request's host to the platform or a tenant, before anything else reads data.

It fails closed: an unknown host is a 404 that names nothing, a suspended tenant a 503.
"""

from django.conf import settings
from django.shortcuts import render

from tenancy import context
from tenancy.hosts import site_for_host


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        site = site_for_host(request.get_host())
        if site is None:
            return render(request, "tenancy/unknown_host.html", status=404)
        if site.is_platform:
            request.tenant, request.urlconf = None, settings.ROOT_URLCONF
        elif not site.tenant.is_active:
            return render(request, "tenancy/suspended.html", {"tenant": site.tenant}, status=503)
        else:
            request.tenant, request.urlconf = site.tenant, settings.TENANT_URLCONF
        with context.activated(site.scope):
            return self.get_response(request)
