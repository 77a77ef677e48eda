"""Host name -> what serves it: the platform (root domain), a tenant, or nothing.

Resolved once per request, from an in-process cache: a request costs no query for it. Every
committed change to a tenant or a domain bumps a version in the registry's database, in the
change's own transaction (a trigger; read through ``tenancy.directory``). Each process reads
it at most every ``TENANT_HOSTS_CHECK_INTERVAL`` seconds (one primary-key read, about 0.1 ms)
and drops its entries when it moved: a suspended or deleted tenant stops being served within
that interval in every worker, even if the author of the change died right after its commit,
and whether Redis is up or not. If the version cannot be read, no entry is kept.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction

from tenancy import context
from tenancy.directory import Placement, directory

MAX_CACHED_HOSTS = 10_000
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Site:
    tenant: Any | None  # the registry's tenant; None: the platform console on the root domain

    @property
    def is_platform(self) -> bool:
        return self.tenant is None

    @cached_property
    def scope(self) -> context.Scope:
        """The scope requests to this site run in (built once per cached site)."""
        return context.public_scope() if self.tenant is None else context.scope_for_tenant(self.tenant)


PLATFORM = Site(tenant=None)


def normalize_host(host: str) -> str:
    """``Acme.Example.com:8000`` -> ``acme.example.com``."""
    return host.rsplit(":", 1)[0].rstrip(".").lower() if not host.startswith("[") else host


class HostCache:
    def __init__(self):
        self._sites: dict[str, Site | None] = {}
        self._placements: dict[str, Placement] = {}  # schema -> where it lives (it can move)
        self._tenants: dict[tuple, Any] = {}  # (tenant id, schema) -> the registry's tenant (tasks)
        self._lock = threading.Lock()
        self._version = None
        self._checked_at = float("-inf")

    def site_for_host(self, host: str) -> Site | None:
        self._expire_if_changed()
        sites = self._sites
        try:
            return sites[host]
        except KeyError:
            site = self._lookup(host)
            if len(sites) >= MAX_CACHED_HOSTS:  # unknown hosts are cached too: stay bounded
                sites.clear()
            # Into the dict it was read from: if an invalidation replaced it meanwhile, the
            # answer (perhaps from before the change) is dropped with it.
            sites[host] = site
            return site

    def placement_of_schema(self, schema_name: str) -> Placement | None:
        self._expire_if_changed()
        placements = self._placements
        if schema_name not in placements:
            with context.activated(context.public_scope()):
                placement = directory().placement_of_schema(schema_name)
            if placement is None:  # not (yet) a tenant's: ask again next time
                return None
            placements[schema_name] = placement
        return placements[schema_name]

    def tenant_of(self, *, tenant_id, schema_name: str | None):
        """The tenant a task was sent for, as the registry has it (cached like hosts)."""
        self._expire_if_changed()
        tenants, key = self._tenants, (tenant_id, schema_name)
        if key not in tenants:
            with context.activated(context.public_scope()):
                tenant = directory().tenant_of(tenant_id=tenant_id, schema_name=schema_name)
            if tenant is None:  # gone (or not yet there): ask again next time
                return None
            tenants[key] = tenant
        return tenants[key]

    @staticmethod
    def _lookup(host: str) -> Site | None:
        if host == settings.BASE_DOMAIN:
            return PLATFORM
        with context.activated(context.public_scope()):  # the registry lives in public
            tenant = directory().tenant_for_host(host)
        return Site(tenant=tenant) if tenant is not None else None

    def _expire_if_changed(self) -> None:
        now = time.monotonic()
        if now - self._checked_at < settings.TENANT_HOSTS_CHECK_INTERVAL:
            return
        with self._lock:
            if now - self._checked_at < settings.TENANT_HOSTS_CHECK_INTERVAL:
                return
            try:
                with context.activated(context.public_scope()):
                    version = directory().hosts_version()
            except DatabaseError as error:
                # The registry is unreachable: drop every entry (fail closed); each tenant host's
                # lookup then fails on its own (503), while the root domain, which needs no
                # lookup, keeps answering /healthz.
                logger.warning("hosts version unreadable, host cache dropped: %s", error)
                version = None
            if version is None or version != self._version:
                # Unknown (unreadable, never bumped) or moved: start afresh.
                self._sites, self._placements, self._tenants = {}, {}, {}
            self._version = version
            self._checked_at = now

    def clear(self) -> None:
        with self._lock:
            self._sites, self._placements, self._tenants = {}, {}, {}
            self._checked_at = float("-inf")


_cache = HostCache()


def site_for_host(host: str) -> Site | None:
    return _cache.site_for_host(normalize_host(host))


def placement_of_schema(schema_name: str) -> Placement | None:
    """Where a tenant schema lives, cached like hosts and forgotten with them."""
    return _cache.placement_of_schema(schema_name)


def tenant_of(*, tenant_id, schema_name: str | None):
    """The registry's tenant by id (else schema), cached and forgotten with the hosts: a task
    for a tenant moved or suspended since it was sent sees it within the check interval."""
    return _cache.tenant_of(tenant_id=tenant_id, schema_name=schema_name)


def hosts_changed() -> None:
    """A tenant or domain changed: this process forgets now and again once it is committed.

    Other processes hear of it from the version the change's transaction bumped.
    """
    _cache.clear()
    transaction.on_commit(_cache.clear, using=settings.TENANT_DB_ALIAS)


def tenant_host(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def site_url(host: str) -> str:
    port = f":{settings.SITE_PORT}" if settings.SITE_PORT else ""
    return f"{settings.SITE_SCHEME}://{host}{port}"


def tenant_url(tenant) -> str:
    return site_url(tenant_host(tenant.slug))
