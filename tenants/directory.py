"""The registry's answers to the runtime's questions (``tenancy.directory``)."""

from django.conf import settings

from tenancy.directory import Placement
from tenants import placement
from tenants.models import Domain, Tenant


class RegistryDirectory:
    def tenant_for_host(self, host: str) -> Tenant | None:
        domain = Domain.objects.select_related("tenant").filter(domain=host).first()
        return domain.tenant if domain else None

    def custom_domains(self, base_domain: str) -> list[str]:
        return list(Domain.objects.exclude(domain__endswith=f".{base_domain}")
                    .values_list("domain", flat=True))

    def placement_of_schema(self, schema_name: str) -> Placement | None:
        return placement.placement_of_schema(schema_name)

    def tenant_of(self, *, tenant_id, schema_name) -> Tenant | None:
        tenants = Tenant.objects.using(settings.TENANT_DB_ALIAS)
        if tenant_id is not None:
            return tenants.filter(pk=tenant_id).first()
        return tenants.filter(schema_name=schema_name).first() if schema_name else None

    def tenants(self) -> list[Tenant]:
        return list(Tenant.objects.using(settings.TENANT_DB_ALIAS).order_by("pk"))
