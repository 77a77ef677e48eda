from django.db.models import QuerySet

from tenants.models import Tenant


def tenant_get(*, slug: str) -> Tenant:
    return Tenant.objects.get(slug=slug)


def tenant_list() -> QuerySet[Tenant]:
    return Tenant.objects.prefetch_related("domains").order_by("slug")
