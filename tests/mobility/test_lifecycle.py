"""Archive → 410 → restore → the same data; purge after the retention period."""

from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone

from mobility import services
from mobility.schemas import schema_exists
from tenants.models import Tenant
from tests.mobility.conftest import files_of, sums_of

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


@pytest.fixture(autouse=True)
def archive_directory(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "tenant_archives": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "archives")}}}
    storages._storages.pop("tenant_archives", None)
    yield
    storages._storages.pop("tenant_archives", None)


@pytest.mark.parametrize("alias", ["default", "dedicated"])
def test_archive_answers_410_and_restore_brings_back_the_same_data(alias, populated, tenant_client, capsys):
    acme = populated(f"arch-{alias[:3]}", applications=12, database_alias=alias)
    before, files_before = sums_of(acme), files_of(acme)
    assert len(files_before) == 1
    assert tenant_client(acme).get("/jobs/").status_code == 200

    call_command("tenants", "archive", acme.slug)
    acme.refresh_from_db()
    assert acme.status == "archived" and acme.archive_name
    assert storages["tenant_archives"].exists(acme.archive_name)
    assert not schema_exists(schema=acme.schema_name, alias=alias)
    assert files_of(acme) == []  # the files went into the archive too
    gone = tenant_client(acme).get("/jobs/")
    assert gone.status_code == 410 and b"no longer available" in gone.content
    assert tenant_client(acme).get("/admin/").status_code == 410

    call_command("tenants", "restore", acme.slug)
    acme.refresh_from_db()
    assert acme.status == "active" and not acme.archive_name
    assert sums_of(acme) == before
    assert files_of(acme) == files_before
    page = tenant_client(acme).get("/jobs/")
    assert page.status_code == 200 and f"{acme.slug} job 1".encode() in page.content


def test_purge_deletes_only_archives_past_the_retention(populated, settings, capsys):
    settings.TENANT_ARCHIVE_RETENTION_DAYS = 3
    old, recent = populated("purge-old", applications=1), populated("purge-new", applications=1)
    for tenant in (old, recent):
        services.tenant_archive(tenant=tenant)
    Tenant.objects.filter(pk=old.pk).update(archived_at=timezone.now() - timedelta(days=4))
    old.refresh_from_db()

    call_command("tenants", "purge", "--dry-run")
    assert "Would purge 1 archived tenant(s): purge-old." in capsys.readouterr().out
    assert Tenant.objects.filter(slug="purge-old").exists()

    call_command("tenants", "purge")
    assert "Purged 1 archived tenant(s): purge-old." in capsys.readouterr().out
    assert not Tenant.objects.filter(slug="purge-old").exists()
    assert not storages["tenant_archives"].exists(old.archive_name)
    assert Tenant.objects.get(slug="purge-new").status == "archived"


def test_an_active_tenant_cannot_be_restored_nor_archived_twice(populated):
    from django.core.exceptions import ValidationError

    acme = populated("twice", applications=1)
    with pytest.raises(ValidationError, match="not archived"):
        services.tenant_restore(tenant=acme)
    services.tenant_archive(tenant=acme)
    with pytest.raises(ValidationError, match="already archived"):
        services.tenant_archive(tenant=acme)
