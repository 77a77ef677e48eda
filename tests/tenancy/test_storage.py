"""tenancy.storage: one storage class, every name under the current tenant's prefix; a tenant's
deletion takes its folder and nothing else; the listing with checksums that mobility will use."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

from careers.models import Application
from careers.services import application_submit
from tenancy import context
from tenancy.storage import (TenantFile, TenantFileScopeError, TenantStorage, tenant_files,
                             tenant_files_delete)
from tenants import services
from tests.careers.documents import pdf_bytes
from tests.careers.factories import JobFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])


@pytest.fixture
def acme(make_tenant):
    return make_tenant("acme", name="Acme Corporation")


@pytest.fixture
def globex(make_tenant):
    return make_tenant("globex", name="Globex Corporation")


def files_under(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_every_file_field_uses_the_tenant_storage():
    from django.apps import apps
    from django.db.models import FileField

    file_fields = [field for model in apps.get_models() for field in model._meta.get_fields()
                   if isinstance(field, FileField)]
    assert file_fields, "no file field to check"
    for field in file_fields:
        assert field.storage is default_storage, field
    assert isinstance(storages["default"], TenantStorage)


def test_the_same_name_in_two_tenants_is_two_files(acme, globex, in_tenant, media_root):
    for tenant, text in ((acme, b"acme's"), (globex, b"globex's")):
        with in_tenant(tenant):
            assert default_storage.save("cv/same.pdf", ContentFile(text)) == "cv/same.pdf"

    assert files_under(media_root) == ["tenant_acme/cv/same.pdf", "tenant_globex/cv/same.pdf"]
    with in_tenant(acme):
        assert default_storage.open("cv/same.pdf").read() == b"acme's"
        default_storage.delete("cv/same.pdf")
    with in_tenant(globex):
        assert default_storage.exists("cv/same.pdf")
        assert default_storage.open("cv/same.pdf").read() == b"globex's"
        assert default_storage.listdir("cv") == ([], ["same.pdf"])


def test_outside_a_tenant_there_is_no_folder_to_use(media_root):
    with context.activated(context.public_scope()):
        with pytest.raises(TenantFileScopeError, match="the public scope has none"):
            default_storage.save("cv/x.pdf", ContentFile(b"x"))
        with pytest.raises(TenantFileScopeError):
            default_storage.open("cv/x.pdf")
    assert not media_root.exists() or files_under(media_root) == []


@pytest.mark.parametrize("name", ["../tenant_globex/cv/x.pdf", "cv/../../tenant_globex/x.pdf",
                                  "/etc/passwd", "cv\\..\\..\\tenant_globex\\x.pdf"])
def test_a_name_cannot_climb_out_of_the_tenant_folder(acme, in_tenant, media_root, name):
    with in_tenant(acme), pytest.raises(SuspiciousFileOperation):
        default_storage.open(name)


def test_tenant_files_have_no_public_url(acme, in_tenant):
    with in_tenant(acme), pytest.raises(NotImplementedError, match="private"):
        default_storage.url("cv/x.pdf")


def test_the_default_storage_must_be_the_tenant_storage(acme, in_tenant, settings):
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    with pytest.raises(ImproperlyConfigured, match="must be tenancy.storage.TenantStorage"):
        tenant_files(schema_name="tenant_acme")


def test_the_s3_backend_gets_the_same_prefix_without_reaching_s3(acme, in_tenant):
    from storages.backends.s3 import S3Storage

    storage = TenantStorage(backend="storages.backends.s3.S3Storage", backend_options={
        "bucket_name": "tenantry-files", "endpoint_url": "http://127.0.0.1:9", "access_key": "k",
        "secret_key": "s", "default_acl": "private", "querystring_auth": True})

    assert isinstance(storage.backend, S3Storage) and storage.backend.bucket_name == "tenantry-files"
    assert storage.backend.default_acl == "private"
    with in_tenant(acme):
        assert storage.stored_name("cv/ab.pdf") == "tenant_acme/cv/ab.pdf"


def test_tenant_files_lists_names_sizes_and_checksums(acme, globex, in_tenant, media_root):
    with in_tenant(acme):
        default_storage.save("cv/b.pdf", ContentFile(b"bee"))
        default_storage.save("photos/2026/a.png", ContentFile(b"ay"))
    with in_tenant(globex):
        default_storage.save("cv/c.pdf", ContentFile(b"sea"))

    assert tenant_files(schema_name="tenant_acme") == [
        TenantFile("cv/b.pdf", 3, hashlib.sha256(b"bee").hexdigest()),
        TenantFile("photos/2026/a.png", 2, hashlib.sha256(b"ay").hexdigest()),
    ]
    assert tenant_files(schema_name="tenant_nobody") == []


def test_deleting_a_tenant_deletes_its_folder_and_nothing_else(acme, globex, in_tenant, media_root):
    for tenant in (acme, globex):
        with in_tenant(tenant):
            job = JobFactory()
            application_submit(job=job, name="Wile", email="wile@example.com",
                               cover_letter="Rockets and anvils, mostly.",
                               cv_file=ContentFile(pdf_bytes(), name="cv.pdf"))
    with in_tenant(globex):
        globex_cv = Application.objects.get().cv_file.name
    assert sorted(path.name for path in media_root.iterdir()) == ["tenant_acme", "tenant_globex"]

    services.tenant_delete(tenant=acme)

    assert sorted(path.name for path in media_root.iterdir()) == ["tenant_globex"]
    assert files_under(media_root) == [f"tenant_globex/{globex_cv}"]
    assert (media_root / "tenant_globex" / globex_cv).read_bytes() == pdf_bytes()


def test_deleting_a_tenant_without_files_is_fine(acme, media_root):
    services.tenant_delete(tenant=acme)
    assert tenant_files_delete(schema_name="tenant_acme") == 0
    assert not (media_root / "tenant_acme").exists()


def test_a_bad_schema_name_is_refused_before_any_file_is_touched(media_root):
    with pytest.raises(ImproperlyConfigured):
        tenant_files_delete(schema_name="../etc")
