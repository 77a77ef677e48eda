"""Metrics that read the tenant registry at scrape time (plugged into ``observability``)."""

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily


class TenantsCollector:
    """``tenantry_tenants{database, status}``: one query per scrape."""

    def collect(self):
        from tenants.models import Tenant

        from tenancy import context

        family = GaugeMetricFamily("tenantry_tenants", "Tenants, by database alias and status",
                                   labels=["database", "status"])
        with context.activated(context.public_scope()):
            rows = Tenant.objects.values_list("database_alias", "status").annotate(n=Count("pk")).order_by()
            for alias, status, count in rows:
                family.add_metric([alias, status], count)
        yield family
