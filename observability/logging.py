import logging

from observability.request_context import request_id
from tenancy.context import current_scope


class RequestContextFilter(logging.Filter):
    """Adds ``tenant``, ``database_alias`` and ``request_id`` to every line, unless the line
    brought its own (the request line is written after the tenant's scope has ended)."""

    def filter(self, record):
        if not hasattr(record, "database_alias"):
            scope = current_scope()
            record.database_alias = scope.database_alias
            if not hasattr(record, "tenant"):
                record.tenant = scope.slug or "-"
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        return True
