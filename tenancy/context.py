"""The tenant whose request, command or task is running.

One context variable, so it holds in threads and under ASGI alike. The database backend
(search path), the router (which alias), the cache key function and the log filter all read
it; django-tenants' ``connection.set_tenant()``/``tenant_context()``/``schema_context()`` write
it through ``tenancy.backend``. The scope carries what audit and logging need (slug, alias), so
nothing that reads it has to query the tenant registry.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings

PUBLIC_SCHEMA = "public"


@dataclass(frozen=True)
class Scope:
    schema_name: str
    database_alias: str
    tenant: Any = None  # a Tenant, or django-tenants' FakeTenant when only a schema is known
    include_public: bool = True
    slug: str | None = None  # the tenant's slug; None on public or a schema no tenant owns

    @property
    def is_public(self) -> bool:
        return self.schema_name == PUBLIC_SCHEMA

    def search_path_on(self, alias: str) -> tuple[str, ...]:
        """The schemas a statement sent to ``alias`` may see."""
        return self.search_path if alias == self.database_alias else (PUBLIC_SCHEMA,)

    @cached_property
    def search_path(self) -> tuple[str, ...]:
        """The schemas a statement sent to the scope's own database may see (built once: the
        backend asks on every statement)."""
        if self.is_public:
            return (PUBLIC_SCHEMA,)
        return (self.schema_name, PUBLIC_SCHEMA) if self.include_public else (self.schema_name,)


_scope: ContextVar[Scope | None] = ContextVar("tenantry_scope", default=None)


def primary_alias() -> str:
    return settings.TENANT_DB_ALIAS


_public_scopes: dict[str, Scope] = {}


def public_scope() -> Scope:
    alias = primary_alias()
    if alias not in _public_scopes:
        from django_tenants.postgresql_backend.base import FakeTenant

        _public_scopes[alias] = Scope(PUBLIC_SCHEMA, alias, FakeTenant(schema_name=PUBLIC_SCHEMA))
    return _public_scopes[alias]


def current_scope() -> Scope:
    scope = _scope.get()
    return scope if scope is not None else public_scope()


def current_tenant():
    """The current tenant (the registry's model instance), or None on public or a bare schema."""
    from django_tenants.postgresql_backend.base import FakeTenant

    tenant = current_scope().tenant
    return None if tenant is None or isinstance(tenant, FakeTenant) else tenant


def set_scope(scope: Scope) -> None:
    _scope.set(scope)


def scope_for_tenant(tenant, include_public: bool = True) -> Scope:
    return Scope(tenant.schema_name, tenant.database_alias, tenant, include_public, tenant.slug)


def activate(scope: Scope) -> Token:
    """``activated`` without the context manager, for the request path; returns the token for
    ``deactivate``."""
    return _scope.set(scope)


def deactivate(token: Token) -> None:
    _scope.reset(token)


@contextmanager
def activated(scope: Scope):
    """Run a block in ``scope``, then put back whatever was current before."""
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
