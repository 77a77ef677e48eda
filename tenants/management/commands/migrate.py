"""Django's own ``migrate``, for one database and the current schema.

django-tenants replaces ``migrate`` with ``migrate_schemas``, which knows a single database
alias; Tenantry spans several (dedicated PostgreSQL databases, MySQL for the audit app), and
Django's test runner calls ``migrate`` on each. Everything at once: ``manage.py tenants migrate``.
"""

from django.conf import settings
from django.core.management.commands import migrate
from django.db import connections

from tenancy import context
from tenants.schemas import database_fail_closed


class Command(migrate.Command):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        alias = options["database"]
        engine = connections[alias].settings_dict["ENGINE"]
        if engine == settings.POSTGRES_ENGINE and context.current_scope().is_public:
            database_fail_closed(alias)
