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


PLACEMENTS = ("primary", "fewest-tenants")


def placement_default() -> str:
    """Where a new tenant goes when nobody says: ``TENANT_PLACEMENT`` decides.

    ``primary`` (the default): the primary database. ``fewest-tenants``: the tenant database
    holding the fewest tenants (the primary on a tie), which spreads a growing fleet.
    """
    policy = settings.TENANT_PLACEMENT
    if policy == "primary":
        return settings.TENANT_DB_ALIAS
    if policy != "fewest-tenants":
        raise ValidationError(f"TENANT_PLACEMENT={policy!r} is not one of {', '.join(PLACEMENTS)}.")
    from django.db.models import Count

    held = dict(Tenant.objects.values_list("database_alias").annotate(n=Count("pk")))
    aliases = tenant_database_aliases()
    return min(aliases, key=lambda alias: (held.get(alias, 0), alias != settings.TENANT_DB_ALIAS))
