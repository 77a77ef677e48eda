"""Where tenants live: which database aliases may hold tenant schemas, and which one does."""

from django.conf import settings
from django.core.exceptions import ValidationError

from tenancy.directory import Placement
from tenants.models import Tenant


def tenant_database_aliases() -> list[str]:
    """Aliases that can hold tenant schemas: every database on Tenantry's PostgreSQL engine."""
    return [
        alias
        for alias, config in settings.DATABASES.items()
        if config["ENGINE"] == settings.POSTGRES_ENGINE
    ]


def check_tenant_database_alias(alias: str) -> None:
    if alias not in tenant_database_aliases():
        configured = ", ".join(tenant_database_aliases())
        raise ValidationError(
            f"Database alias {alias!r} is not configured for tenants (configured: {configured}). "
            "Add it to TENANT_DATABASES.",
            code="unknown_alias",
        )


def placement_of_schema(schema_name: str) -> Placement | None:
    """Read from the registry; ``tenancy.hosts`` caches it and forgets it on every change."""
    row = (
        Tenant.objects.using(settings.TENANT_DB_ALIAS)
        .filter(schema_name=schema_name)
        .values_list("database_alias", "slug")
        .first()
    )
    return Placement(*row) if row else None
