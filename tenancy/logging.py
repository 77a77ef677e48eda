import logging

from tenancy.context import current_scope


class TenantFilter(logging.Filter):
    """Adds ``%(tenant)s``: the slug of the tenant the line was written for, or ``-``."""

    def filter(self, record):
        record.tenant = current_scope().slug or "-"
        return True
