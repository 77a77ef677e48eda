"""Resolves the request's host to the platform or a tenant, before anything else reads data.

It fails closed: an unknown host is a 404 that names nothing (400 outside ALLOWED_HOSTS), a
suspended tenant or one still being provisioned a 503, a tenant being deleted a 404, an
archived one a 410, one being moved serves reads and answers writes "briefly read-only". A
database that cannot be reached, or a tenant schema that is not (or no longer) there, is a
503 "temporarily unavailable", never a 500. It runs first, so it is also where tenants'
custom domains are admitted: ALLOWED_HOSTS holds the platform's own names only, never ``*``,
and a host outside them is accepted only when the registry says a tenant serves it.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.http.request import split_domain_port, validate_host
from django.shortcuts import render

from tenancy import context
from tenancy.hosts import site_for_host

logger = logging.getLogger(__name__)

# The tenant's schema or one of its tables is missing: a schema being made or dropped.
MISSING_SCHEMA_CODES = {"3F000", "42P01"}  # invalid_schema_name, undefined_table

# Statuses of a registry row whose site must not be served (tenants.models.Tenant.Status).
BEING_DELETED = "deleting"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        host = request._get_raw_host()
        domain = split_domain_port(host)[0]
        if not domain:  # not a host name at all: Django's own 400
            request.get_host()
        try:
            site = site_for_host(host)
        except (OperationalError, InterfaceError) as error:  # the registry's database is down
            return unavailable(request, error)
        if site is None:
            request.get_host()  # DisallowedHost (400) outside ALLOWED_HOSTS
            return render(request, "tenancy/unknown_host.html", status=404)
        if site.is_platform:
            request.tenant, request.urlconf = None, settings.ROOT_URLCONF
        else:
            tenant = site.tenant
            if not validate_host(domain, settings.ALLOWED_HOSTS):
                # A tenant's custom domain: Django's own host checks later in the request must
                # accept it too, and they read ALLOWED_HOSTS only.
                request.get_host = lambda: host
            # Only an active tenant is served in full; any other status is refused or limited.
            if not tenant.is_active and (refused := self.refusal(request, tenant)):
                return refused
            request.tenant, request.urlconf = tenant, settings.TENANT_URLCONF
        token = context.activate(site.scope)  # not the context manager: this runs on every request
        try:
            return self.get_response(request)
        finally:
            context.deactivate(token)

    @staticmethod
    def refusal(request, tenant):
        """The answer for a tenant that is not fully open, or None when it is."""
        if tenant.status == BEING_DELETED:
            return render(request, "tenancy/unknown_host.html", status=404)
        if getattr(tenant, "is_archived", False):
            return render(request, "tenancy/archived.html", status=410)
        if getattr(tenant, "is_read_only", False):  # moving: reads go on, writes wait a moment
            if request.method in SAFE_METHODS:
                return None
            response = render(request, "tenancy/read_only.html", status=503)
            response["Retry-After"] = "2"
            return response
        if not tenant.is_active:  # suspended, or still being provisioned
            return render(request, "tenancy/suspended.html", {"tenant": tenant}, status=503)
        return None

    def process_exception(self, request, exception):
        """A view that lost its database, or its tenant's schema, answers 503, not 500."""
        if isinstance(exception, (OperationalError, InterfaceError)):
            return unavailable(request, exception)
        if (isinstance(exception, ProgrammingError) and getattr(request, "tenant", None) is not None
                and getattr(exception.__cause__, "pgcode", None) in MISSING_SCHEMA_CODES):
            return unavailable(request, exception)
        return None


def unavailable(request, error: Exception):
    logger.error("%s unavailable: %s: %s", request._get_raw_host(), type(error).__name__, error)
    return render(request, "tenancy/unavailable.html", status=503)
