"""Export, import, archive, restore and purge whole tenants. The CLI and console call these."""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import timedelta
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.utils import timezone

from audit.services import Actions, audit_record
from mobility.bundle import BundleReader, BundleWriter, Manifest, file_member
from mobility.schemas import (Progress, check_migrations_known, no_progress, raw_connection,
                              schema_build, schema_drop, schema_exists, schema_write)
from tenancy import context
from tenancy.hosts import hosts_changed
from tenancy.storage import configured_tenant_storage, tenant_files, tenant_files_delete
from tenancy.schema_names import schema_name_for
from tenants import services as registry
from tenants.models import Tenant
from tenants.placement import check_tenant_database_alias, placement_default

logger = logging.getLogger(__name__)

ARCHIVES = "tenant_archives"  # the STORAGES alias archives are kept in


def _version() -> str:
    try:
        return metadata.version("tenantry")
    except metadata.PackageNotFoundError:
        return "unknown"


def _event(action: str, object_repr: str) -> None:
    with context.activated(context.public_scope()):
        audit_record(action=action, object_repr=object_repr)


def tenant_export(*, tenant: Tenant, output: Path, progress: Progress = no_progress,
                  lock: bool = False) -> Manifest:
    """Write ``tenant`` to ``output``: one consistent snapshot of its schema, and who it is."""
    output = Path(output)
    writer = BundleWriter(output)
    try:
        with raw_connection(tenant.database_alias) as connection:
            migrations, tables = schema_write(connection=connection, schema=tenant.schema_name,
                                              writer=writer, progress=progress, lock=lock)
            files = files_write(schema=tenant.schema_name, writer=writer)
            manifest = Manifest(
                tenant={"slug": tenant.slug, "name": tenant.name, "plan": tenant.plan,
                        "schema_name": tenant.schema_name,
                        "domains": sorted(d.domain for d in tenant.domains.filter(is_primary=False))},
                migrations=migrations, tables=tables, files=files, tenantry_version=_version(),
                exported_at=timezone.now().isoformat(),
            )
            writer.finish(manifest)
            connection.rollback()  # the snapshot (and any lock) ends here, not before
    except BaseException:
        writer.abort()
        raise
    logger.info("tenant %s exported to %s", tenant.slug, output)
    _event(Actions.TENANT_EXPORTED, f"{tenant.slug} to {output.name}")
    return manifest


def files_write(*, schema: str, writer: BundleWriter) -> dict[str, dict]:
    """The tenant's files into the export, each with its size and checksum."""
    backend = configured_tenant_storage().backend
    files = {}
    for found in tenant_files(schema_name=schema):
        with backend.open(f"{schema}/{found.name}", "rb") as source:
            sha256 = writer.add(file_member(found.name), source)
        if sha256 != found.sha256:
            raise ValidationError(f"File {found.name} changed while it was exported; export again.",
                                  code="changed")
        files[found.name] = {"size": found.size, "sha256": sha256}
    return files


def files_load(*, reader: BundleReader, schema: str) -> None:
    """The export's files under ``schema``'s folder (checked whole by ``reader.verify()``)."""
    backend = configured_tenant_storage().backend
    for name in sorted(reader.manifest.files):
        if name.startswith("/") or ".." in Path(name).parts:
            raise ValidationError(f"The export names a file outside its tenant ({name!r}).",
                                  code="damaged")
        stored = backend.save(f"{schema}/{name}", File(reader.open(file_member(name)), name=name))
        if stored != f"{schema}/{name}":
            raise ValidationError(f"File {name} already exists for {schema}.", code="exists")


def export_open(path: Path, *, alias: str) -> BundleReader:
    """An export, checked whole: readable, undamaged, and not from a newer Tenantry."""
    reader = BundleReader(path)
    reader.verify()
    check_migrations_known(reader.manifest, alias=alias)
    return reader


def tenant_import(*, path: Path, slug: str | None = None, database_alias: str | None = None,
                  progress: Progress = no_progress) -> Tenant:
    """A live tenant from an export, under its own slug or ``slug``, on ``database_alias``."""
    alias = database_alias or placement_default()
    check_tenant_database_alias(alias)
    reader = export_open(path, alias=alias)
    try:
        manifest = reader.manifest
        slug = slug or manifest.tenant["slug"]
        registry.tenant_slug_validate(slug=slug)
        schema = schema_name_for(slug)
        schema_build(reader=reader, schema=schema, alias=alias, progress=progress)
        try:
            files_load(reader=reader, schema=schema)
        except BaseException:
            tenant_files_delete(schema_name=schema)
            schema_drop(schema=schema, alias=alias)
            raise
    finally:
        reader.close()
    try:
        tenant = registry.tenant_register(slug=slug, name=manifest.tenant["name"],
                                          plan=manifest.tenant["plan"], database_alias=alias,
                                          custom_domains=manifest.tenant.get("domains", []))
    except BaseException:
        tenant_files_delete(schema_name=schema)
        schema_drop(schema=schema, alias=alias)
        raise
    logger.info("tenant %s imported from %s onto %s", slug, path, alias)
    _event(Actions.TENANT_IMPORTED, f"{slug} from {Path(path).name} on {alias}")
    return tenant


def tenant_archive(*, tenant: Tenant, progress: Progress = no_progress) -> str:
    """Export the tenant into the archive storage, then drop its schema; its hosts answer 410."""
    if tenant.is_archived:
        raise ValidationError(f"Tenant {tenant.slug} is already archived.", code="archived")
    name = f"{tenant.slug}-{timezone.now():%Y%m%dT%H%M%S}.tenant"
    with tempfile.TemporaryDirectory() as directory:
        local = Path(directory) / name
        # Frozen for the export: nothing written after the snapshot could be lost.
        registry.tenant_update_placement(tenant=tenant, status=Tenant.Status.MOVING)
        try:
            tenant_export(tenant=tenant, output=local, progress=progress, lock=True)
            with local.open("rb") as source:
                stored = storages[ARCHIVES].save(name, File(source, name=name))
        except BaseException:
            registry.tenant_update_placement(tenant=tenant, status=Tenant.Status.ACTIVE)
            raise
    registry.tenant_update_placement(tenant=tenant, status=Tenant.Status.ARCHIVED,
                                     archive_name=stored, archived_at=timezone.now())
    schema_drop(schema=tenant.schema_name, alias=tenant.database_alias)
    tenant_files_delete(schema_name=tenant.schema_name)
    logger.info("tenant %s archived as %s", tenant.slug, stored)
    _event(Actions.TENANT_ARCHIVED, f"{tenant.slug} as {stored}")
    return stored


def tenant_restore(*, tenant: Tenant, progress: Progress = no_progress) -> Tenant:
    """Bring an archived tenant back from its archive, live again with its domains."""
    if not tenant.is_archived:
        raise ValidationError(f"Tenant {tenant.slug} is not archived.", code="not_archived")
    alias = tenant.database_alias
    with tempfile.TemporaryDirectory() as directory:
        local = Path(directory) / "archive.tenant"
        with storages[ARCHIVES].open(tenant.archive_name, "rb") as source, local.open("wb") as copy:
            shutil.copyfileobj(source, copy)
        reader = export_open(local, alias=alias)
        try:
            # A schema left by an archive that stopped before its drop: the archive is whole.
            schema_drop(schema=tenant.schema_name, alias=alias)
            tenant_files_delete(schema_name=tenant.schema_name)
            schema_build(reader=reader, schema=tenant.schema_name, alias=alias, progress=progress)
            files_load(reader=reader, schema=tenant.schema_name)
        finally:
            reader.close()
    archive = tenant.archive_name
    registry.tenant_update_placement(tenant=tenant, status=Tenant.Status.ACTIVE, archive_name="",
                                     archived_at=None)
    storages[ARCHIVES].delete(archive)
    logger.info("tenant %s restored from %s", tenant.slug, archive)
    _event(Actions.TENANT_RESTORED, f"{tenant.slug} from {archive}")
    return tenant


def purgeable(*, now=None) -> list[Tenant]:
    """Archived tenants past ``TENANT_ARCHIVE_RETENTION_DAYS``."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.TENANT_ARCHIVE_RETENTION_DAYS)
    return list(Tenant.objects.filter(status=Tenant.Status.ARCHIVED, archived_at__lt=cutoff))


def tenants_purge(*, dry_run: bool = False, now=None) -> list[str]:
    """Delete old archives and their registry rows for good; returns the slugs."""
    doomed = purgeable(now=now)
    if dry_run:
        return [tenant.slug for tenant in doomed]
    for tenant in doomed:
        if tenant.archive_name:
            storages[ARCHIVES].delete(tenant.archive_name)
        if schema_exists(schema=tenant.schema_name, alias=tenant.database_alias):
            schema_drop(schema=tenant.schema_name, alias=tenant.database_alias)
        tenant_files_delete(schema_name=tenant.schema_name)
        with context.activated(context.public_scope()):
            Tenant.objects.filter(pk=tenant.pk).delete()
        hosts_changed()
        logger.info("tenant %s purged", tenant.slug)
        _event(Actions.TENANT_PURGED, tenant.slug)
    return [tenant.slug for tenant in doomed]
