"""Demo organizations for a first look and for load tests. Safe to run again."""

from django.contrib.auth import get_user_model

from careers.demo import populate
from tenancy import context
from tenants import services
from tenancy.hosts import site_url, tenant_url
from tenants.models import Tenant

DEMO_PASSWORD = "tenantry-demo"
PLATFORM_ADMIN = "platform-admin"
DEMO_ORGANIZATIONS = [("acme", "Acme Corporation"), ("globex", "Globex Corporation")]


def _ensure_admin(*, username: str) -> None:
    User = get_user_model()
    if not User.objects.filter(username=username).exists():
        User.objects.create_superuser(username=username, email=f"{username}@example.com",
                                      password=DEMO_PASSWORD)


def demo_create() -> list[str]:
    """Create what is missing; return the sign-in instructions."""
    from django.conf import settings

    lines = []
    with context.activated(context.public_scope()):
        _ensure_admin(username=PLATFORM_ADMIN)
    lines.append(f"Platform console: {site_url(settings.BASE_DOMAIN)}/  "
                 f"user {PLATFORM_ADMIN}, password {DEMO_PASSWORD}")
    for slug, name in DEMO_ORGANIZATIONS:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            tenant = services.tenant_create(slug=slug, name=name).tenant
        with context.activated(context.scope_for_tenant(tenant)):
            _ensure_admin(username=f"{slug}-admin")
            populate(organization_name=name)
        lines.append(f"{name}: {tenant_url(tenant)}/jobs/  staff admin {tenant_url(tenant)}/admin/  "
                     f"user {slug}-admin, password {DEMO_PASSWORD}")
    return lines
