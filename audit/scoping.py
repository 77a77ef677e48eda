"""Which organization's trail the current scope writes to and reads from."""

from tenancy import context


def is_platform_scope() -> bool:
    return context.current_scope().is_public


def scope_tenant_slug() -> str | None:
    """The current tenant's slug; None on the platform or for a schema that is no tenant's."""
    scope = context.current_scope()
    return None if scope.is_public else scope.slug
