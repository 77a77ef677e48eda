"""The registry's answers to the runtime's questions (``tenancy.directory``)."""

from django.conf import settings
from django.db import connections

from tenancy.directory import Placement
from tenants import placement
from tenants.models import Domain, HostsVersion, Tenant


class RegistryDirectory:
    def tenant_for_host(self, host: str) -> Tenant | None:
        domain = Domain.objects.select_related("tenant").filter(domain=host).first()
        return domain.tenant if domain else None

    def placement_of_schema(self, schema_name: str) -> Placement | None:
        return placement.placement_of_schema(schema_name)

    def hosts_version(self) -> int | None:
        # Read every TENANT_HOSTS_CHECK_INTERVAL by every process: one statement, no ORM build.
        with connections[settings.TENANT_DB_ALIAS].cursor() as cursor:
            cursor.execute(f"SELECT version FROM {HostsVersion._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else None
    def tenant_of(self, *, tenant_id, schema_name) -> Tenant | None:
        tenants = Tenant.objects.using(settings.TENANT_DB_ALIAS)
        if tenant_id is not None:
            return tenants.filter(pk=tenant_id).first()
        return tenants.filter(schema_name=schema_name).first() if schema_name else None

    def tenants(self) -> list[Tenant]:
        return list(Tenant.objects.using(settings.TENANT_DB_ALIAS).order_by("pk"))
