"""Resolves the request's host to the platform or a tenant, before anything else reads data.

It fails closed: an unknown host is a 404 that names nothing, a suspended tenant or one still
being provisioned a 503, a tenant being deleted a 404. A database that cannot be reached, or a
tenant schema that is not (or no longer) there, is a 503 "temporarily unavailable", never a 500.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError, ProgrammingError
from django.shortcuts import render

from tenancy import context
from tenancy.hosts import site_for_host

logger = logging.getLogger(__name__)

# The tenant's schema or one of its tables is missing: a schema being made or dropped.
MISSING_SCHEMA_CODES = {"3F000", "42P01"}  # invalid_schema_name, undefined_table

# Statuses of a registry row whose site must not be served (tenants.models.Tenant.Status).
BEING_DELETED = "deleting"


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            site = site_for_host(request.get_host())
        except (OperationalError, InterfaceError) as error:  # the registry's database is down
            return unavailable(request, error)
        if site is None or (not site.is_platform and site.tenant.status == BEING_DELETED):
            return render(request, "tenancy/unknown_host.html", status=404)
        if site.is_platform:
            request.tenant, request.urlconf = None, settings.ROOT_URLCONF
        elif not site.tenant.is_active:  # suspended, or still being provisioned
            return render(request, "tenancy/suspended.html", {"tenant": site.tenant}, status=503)
        else:
            request.tenant, request.urlconf = site.tenant, settings.TENANT_URLCONF
        with context.activated(site.scope):
            return self.get_response(request)

    def process_exception(self, request, exception):
        """A view that lost its database, or its tenant's schema, answers 503, not 500."""
        if isinstance(exception, (OperationalError, InterfaceError)):
            return unavailable(request, exception)
        if (isinstance(exception, ProgrammingError) and getattr(request, "tenant", None) is not None
                and getattr(exception.__cause__, "pgcode", None) in MISSING_SCHEMA_CODES):
            return unavailable(request, exception)
        return None


def unavailable(request, error: Exception):
    logger.error("%s unavailable: %s: %s", request.get_host(), type(error).__name__, error)
    return render(request, "tenancy/unavailable.html", status=503)
