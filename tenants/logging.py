import logging

from tenants.context import current_scope


class TenantFilter(logging.Filter):
    """Adds ``%(tenant)s``: the slug of the tenant the line was written for, or ``-``."""

    def filter(self, record):
        tenant = current_scope().tenant
        record.tenant = getattr(tenant, "slug", None) or "-"
        return True
