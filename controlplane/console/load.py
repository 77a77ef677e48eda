"""The noisy-neighbour view: the busiest tenants over the last minutes, with plan and limits."""

import logging

from django.conf import settings
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from controlplane.console.views import _page, console_view
from observability import tenant_stats
from tenancy.limits import plan_limits
from tenants.models import Tenant

logger = logging.getLogger(__name__)
ORDERS = {"requests": "Requests", "db_seconds": "Database time", "errors": "Errors (5xx)"}
TOP = 25


@console_view("tenants.view_tenant")
@require_GET
def tenant_load(request):
    by = request.GET.get("by", "requests")
    by = by if by in ORDERS else "requests"
    window = settings.METRICS_TENANT_WINDOW_SECONDS
    context = {"orders": ORDERS, "by": by, "window_minutes": max(1, window // 60)}
    try:
        tenant_stats.pending_flush()  # this process's latest requests count too
        top, other = tenant_stats.tenants_top(by=by, limit=TOP, window_seconds=window)
    except RedisError as error:
        logger.warning("tenant load unavailable: %s", error)
        context["unavailable"] = True
        return _page(request, "console/tenant_load.html", context, section="load", status=503)
    tenants = {t.slug: t for t in Tenant.objects.filter(slug__in=[load.slug for load in top])}
    rows = []
    for load in top:
        tenant = tenants.get(load.slug)  # None: deleted since its requests were counted
        rows.append({"load": load, "tenant": tenant,
                     "limits": plan_limits(tenant.plan) if tenant else None,
                     "db_ms_per_request": 1000 * load.db_seconds / load.requests if load.requests else 0})
    total = sum(load.requests for load in top) + other.requests
    context.update(rows=rows, other=other, total=total)
    return _page(request, "console/tenant_load.html", context, section="load")
