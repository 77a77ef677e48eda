"""Which organization's trail the current scope writes to and reads from."""

from tenants import context
from tenants.models import Tenant


def is_platform_scope() -> bool:
    return context.current_scope().is_public


def scope_tenant_slug() -> str | None:
    """The current tenant's slug; None on the platform or for a schema that is no tenant's."""
    scope = context.current_scope()
    if scope.is_public:
        return None
    slug = getattr(scope.tenant, "slug", None)
    if slug:
        return slug
    # schema_context() knows only the schema's name
    return (
        Tenant.objects.filter(schema_name=scope.schema_name)
        .values_list("slug", flat=True)
        .first()
    )
