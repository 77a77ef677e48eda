"""``/metrics``: the platform's Prometheus metrics, for allowed addresses or the bearer token.

Under gunicorn (``PROMETHEUS_MULTIPROC_DIR`` set) the answer sums every worker's files; the
collectors registered here (per-tenant top N, and what ``controlplane`` plugs in, such as the
tenants per database and state) are read at scrape time.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import logging
import os

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from redis.exceptions import RedisError

from observability import tenant_stats

logger = logging.getLogger(__name__)
_collectors: list = []


def collector_register(collector) -> None:
    """Add a collector (an object with ``collect()``) read on every scrape."""
    if collector not in _collectors:
        _collectors.append(collector)


class TopTenantsCollector:
    """``tenantry_tenant_*{tenant=...}``: the top N tenants by requests over the window, and
    ``other``: at most N + 1 series per metric, whatever the number of tenants."""

    def collect(self):
        tenant_stats.pending_flush()  # this worker's latest counts are in the answer
        try:
            top, other = tenant_stats.tenants_top(by="requests", limit=settings.METRICS_TOP_TENANTS)
        except RedisError as error:
            logger.warning("per-tenant metrics unavailable: %s", error)
            return
        window = settings.METRICS_TENANT_WINDOW_SECONDS
        families = {
            "requests": GaugeMetricFamily(
                "tenantry_tenant_requests", f"Requests over the last {window} s: the top "
                f"{settings.METRICS_TOP_TENANTS} tenants by requests, the rest as tenant=other", labels=["tenant"]),
            "db_seconds": GaugeMetricFamily(
                "tenantry_tenant_db_seconds", f"Database time over the last {window} s (same tenants)",
                labels=["tenant"]),
            "errors": GaugeMetricFamily(
                "tenantry_tenant_errors", f"5xx answers over the last {window} s (same tenants)",
                labels=["tenant"]),
        }
        for load in [*top, other]:
            for measure, family in families.items():
                family.add_metric([load.slug], getattr(load, measure))
        yield from families.values()


class _ThisProcess:
    def collect(self):
        yield from REGISTRY.collect()


collector_register(TopTenantsCollector())


@functools.lru_cache(maxsize=8)
def _networks(addresses: tuple[str, ...]):
    return tuple(ipaddress.ip_network(address.strip(), strict=False) for address in addresses if address.strip())


def metrics_access_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_ADDRESSES)))


@never_cache
def metrics_view(request):
    if not metrics_access_allowed(request):
        return HttpResponseForbidden("Forbidden: /metrics needs an allowed address or the bearer token.\n",
                                     content_type="text/plain")
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    for collector in _collectors:
        registry.register(collector)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
