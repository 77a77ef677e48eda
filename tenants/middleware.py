"""Resolves the request's host to the platform or a tenant, before anything else reads data.

It fails closed: an unknown host is a 404 that names nothing, a suspended tenant a 503.
"""

from django.conf import settings
from django.shortcuts import render

from tenants import context
from tenants.hosts import site_for_host


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with context.activated(context.public_scope()):
            site = site_for_host(request.get_host())
            if site is None:
                return render(request, "tenants/unknown_host.html", status=404)
            if site.is_platform:
                request.tenant = None
                request.urlconf = settings.ROOT_URLCONF
                return self.get_response(request)

        tenant = site.tenant
        if not tenant.is_active:
            return render(request, "tenants/suspended.html", {"tenant": tenant}, status=503)
        request.tenant = tenant
        request.urlconf = settings.TENANT_URLCONF
        with context.activated(context.scope_for_tenant(tenant)):
            return self.get_response(request)
