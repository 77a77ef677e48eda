"""Tenant files: one storage class, every name under the current tenant's own prefix.

Every file field stores through ``TenantStorage`` (``STORAGES["default"]``). Names kept in the
database are relative to the tenant (``cv/3f2c….pdf``); the storage puts the current scope's
schema name in front (``tenant_acme/cv/3f2c….pdf``) on every access, so a name read from one
tenant's rows can only ever reach that tenant's folder, and the rows stay valid when the
tenant's folder moves with it. The backend underneath is chosen by settings: the file system
under ``MEDIA_ROOT`` in dev and tests, an S3-compatible store through django-storages in
production. In the public scope there is no tenant folder: every access raises.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.core.files.utils import validate_file_name
from django.db import transaction
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.module_loading import import_string

from tenancy import context
from tenancy.schema_names import check_schema_name

logger = logging.getLogger(__name__)

FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"


class TenantFileScopeError(RuntimeError):
    """A tenant file was touched outside any tenant's scope (there is no folder to use)."""


@deconstructible(path="tenancy.storage.TenantStorage")
class TenantStorage(Storage):
    """Delegates to the configured backend, with the current tenant's prefix on every name."""

    def __init__(self, backend: str = FILE_SYSTEM_BACKEND, backend_options: dict | None = None):
        self.backend_path = backend
        self.backend_options = dict(backend_options or {})

    @cached_property
    def backend(self) -> Storage:
        return import_string(self.backend_path)(**self.backend_options)

    # --- names ---------------------------------------------------------------------------

    def stored_name(self, name: str) -> str:
        """``name`` as the backend knows it: under the current tenant's prefix."""
        validate_file_name(name, allow_relative_path=True)  # no "..", no absolute path
        relative = str(name).replace("\\", "/")
        return f"{current_tenant_prefix()}/{relative}"

    def _relative(self, stored: str) -> str:
        prefix = current_tenant_prefix() + "/"
        if not stored.startswith(prefix):  # a backend that renamed outside our folder: refuse
            raise TenantFileScopeError(f"storage returned {stored!r} outside {prefix!r}")
        return stored[len(prefix):]

    # --- the Storage API -----------------------------------------------------------------

    def _open(self, name, mode="rb"):
        return self.backend.open(self.stored_name(name), mode)

    def _save(self, name, content):
        return self._relative(self.backend.save(self.stored_name(name), content))

    def delete(self, name):
        if name:
            self.backend.delete(self.stored_name(name))

    def exists(self, name):
        return self.backend.exists(self.stored_name(name))

    def listdir(self, path):
        return self.backend.listdir(self.stored_name(path) if path else current_tenant_prefix())

    def size(self, name):
        return self.backend.size(self.stored_name(name))

    def path(self, name):
        return self.backend.path(self.stored_name(name))

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(self.stored_name(name))

    def get_created_time(self, name):
        return self.backend.get_created_time(self.stored_name(name))

    def get_modified_time(self, name):
        return self.backend.get_modified_time(self.stored_name(name))

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def url(self, name):
        raise NotImplementedError(
            "Tenant files are private and have no public URL; serve them through a view that "
            "checks the user (tenancy.private_files.tenant_file_response)."
        )


def current_tenant_prefix() -> str:
    """The current tenant's folder: its schema name. Raises in the public scope."""
    scope = context.current_scope()
    if scope.is_public:
        raise TenantFileScopeError("tenant files need a tenant's scope; the public scope has none")
    check_schema_name(scope.schema_name)
    return scope.schema_name


def tenant_storage() -> Storage:
    """The storage of every file field (``storage=tenant_storage``): ``STORAGES["default"]``."""
    return default_storage


def configured_tenant_storage() -> TenantStorage:
    storage = storages["default"]
    if not isinstance(storage, TenantStorage):
        raise ImproperlyConfigured(
            'STORAGES["default"] must be tenancy.storage.TenantStorage: tenant files need their '
            f"tenant's prefix (it is {type(storage).__module__}.{type(storage).__qualname__})"
        )
    return storage


def tenant_file_delete_on_commit(*, name: str, using: str) -> None:
    """Delete the current tenant's file ``name`` once the transaction on ``using`` commits.

    A rollback keeps the file (the row that names it is back). The scope is captured now:
    the callback may run after the caller's scope has ended.
    """
    if not name:
        return
    scope = context.current_scope()
    storage = configured_tenant_storage()
    current_tenant_prefix()  # fail now, in the caller, not later in a callback

    def delete():
        with context.activated(scope):
            storage.delete(name)
            logger.info("deleted tenant file %s", name)

    transaction.on_commit(delete, using=using, robust=True)  # a storage hiccup is logged


# --- whole tenants (called by the registry from the public scope) ---------------------------


@dataclass(frozen=True)
class TenantFile:
    name: str  # relative to the tenant, as file fields store it
    size: int
    sha256: str


def tenant_files(*, schema_name: str) -> list[TenantFile]:
    """Every file of the tenant with this schema, with its size and SHA-256, sorted by name.

    The hook for the tenant's export, import, move and archive: what to carry, and how to
    check that it arrived whole.
    """
    check_schema_name(schema_name)
    backend = configured_tenant_storage().backend
    files = []
    for stored in sorted(_walk(backend, schema_name)):
        digest = hashlib.sha256()
        size = 0
        with backend.open(stored, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        files.append(TenantFile(name=stored[len(schema_name) + 1:], size=size,
                                sha256=digest.hexdigest()))
    return files


def tenant_files_delete(*, schema_name: str) -> int:
    """Delete the tenant's whole folder; other tenants' files are untouched. Returns the count."""
    check_schema_name(schema_name)
    backend = configured_tenant_storage().backend
    stored = list(_walk(backend, schema_name))
    if isinstance(backend, FileSystemStorage):
        folder = Path(backend.path(schema_name))
        if folder.exists():
            shutil.rmtree(folder)
    else:  # an object store has no folders: deleting every object under the prefix is all
        for name in stored:
            backend.delete(name)
    logger.info("deleted %d file(s) of schema %s", len(stored), schema_name)
    return len(stored)


def _walk(backend: Storage, directory: str):
    """Every file name under ``directory`` of ``backend`` (names as the backend knows them)."""
    try:
        directories, files = backend.listdir(directory)
    except FileNotFoundError:
        return
    for file_name in files:
        yield f"{directory}/{file_name}"
    for sub in directories:
        yield from _walk(backend, f"{directory}/{sub}")
