"""The one seam through which the tenant registry hands its data to the runtime.

The runtime (host resolution, the backend's ``schema_context()``) needs to ask "which tenant
serves this host?" and "where does this schema live?", but must not import the registry app
that knows: the registry registers a ``Directory`` from its ``AppConfig.ready()``.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Protocol

from django.core.exceptions import ImproperlyConfigured


class Placement(NamedTuple):
    database_alias: str
    slug: str


class Directory(Protocol):
    def tenant_for_host(self, host: str) -> Any | None:
        """The tenant (with ``slug``, ``schema_name``, ``database_alias``, ``is_active``) or None."""

    def placement_of_schema(self, schema_name: str) -> Placement | None:
        """Where a tenant schema named without its tenant lives (``schema_context()``)."""

    def hosts_version(self) -> int | None:
        """A number that moves in the transaction of every committed tenant or domain change."""

    def tenant_of(self, *, tenant_id: Any | None, schema_name: str | None) -> Any | None:
        """The tenant as the registry has it now (by id, else by schema), or None: for tasks."""

    def tenants(self) -> Iterable[Any]:
        """Every tenant (active or not), for work that fans out to each of them."""


_directory: Directory | None = None


def register(directory: Directory) -> None:
    global _directory
    _directory = directory


def directory() -> Directory:
    if _directory is None:
        raise ImproperlyConfigured(
            "No tenant directory is registered: the registry app (tenants) must be installed."
        )
    return _directory
