"""The fix switched off, for the leak test's proof only: plain django-tenants' search path.

django-tenants' own ``_cursor()`` sends a session-level ``SET search_path`` before the
statement, as a separate statement on the same cursor; behind pgbouncer in transaction mode
the statement may then run on a server connection that another tenant's SET prepared.
Everything else is Tenantry's backend, so the comparison isolates that one difference.
"""

from django.db.backends.postgresql import base as postgresql_base
from django_tenants.postgresql_backend import base as tenants_base

from tenancy.backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    include_public_schema = True

    def create_cursor(self, name=None):
        return postgresql_base.DatabaseWrapper.create_cursor(self, name)

    def _cursor(self, name=None):
        return tenants_base.DatabaseWrapper._cursor(self, name)
