"""Host name -> what serves it: the platform (root domain), a tenant, or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from tenants.models import Domain, Tenant


@dataclass(frozen=True)
class Site:
    tenant: Tenant | None  # None: the platform console on the root domain

    @property
    def is_platform(self) -> bool:
        return self.tenant is None


PLATFORM = Site(tenant=None)


def normalize_host(host: str) -> str:
    """``Acme.Example.com:8000`` -> ``acme.example.com``."""
    return host.rsplit(":", 1)[0].rstrip(".").lower() if not host.startswith("[") else host


def site_for_host(host: str) -> Site | None:
    host = normalize_host(host)
    if host == settings.BASE_DOMAIN:
        return PLATFORM
    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    return Site(tenant=domain.tenant) if domain else None


def tenant_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def site_url(host: str) -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"


def tenant_url(tenant: Tenant) -> str:
    return site_url(tenant_host(tenant.slug))
