"""Export a tenant to one file and import it: checksummed, refused when damaged or newer."""

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from careers.models import Application, Job
from mobility import services
from mobility.bundle import MANIFEST
from mobility.schemas import raw_connection, schema_exists
from mobility.tables import MD5, schema_sums
from tenants import services as registry
from tenants import template_schema
from tenants.models import Tenant
from tests.mobility.conftest import CV, files_of, sums_of

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_export_then_import_under_a_new_slug_on_another_database(populated, tmp_path, in_tenant,
                                                                  tenant_client):
    acme = populated("acme-exp", applications=40)
    output = tmp_path / "acme.tenant"
    manifest = services.tenant_export(tenant=acme, output=output)
    assert manifest.tables["careers_application"]["rows"] == 40

    copy = services.tenant_import(path=output, slug="acme-copy", database_alias="dedicated")
    try:
        assert (copy.database_alias, copy.name, copy.plan) == ("dedicated", acme.name, acme.plan)
        assert sums_of(copy) == sums_of(acme)  # every table, row for row
        assert files_of(copy) == files_of(acme) and len(files_of(copy)) == 1  # files, by checksum
        with in_tenant(copy):
            assert Application.objects.count() == 40
            assert Job.objects.filter(title="acme-exp job 1").exists()
        page = tenant_client(copy).get("/jobs/")
        assert page.status_code == 200 and b"acme-exp job 1" in page.content
        with in_tenant(copy):
            with_cv = Application.objects.exclude(cv_file="").get()
            assert with_cv.cv_file.read() == CV
        # New rows continue after the imported ones: sequences were advanced.
        with in_tenant(copy):
            assert Job.objects.create(title="after import").pk > max(Job.objects.exclude(
                title="after import").values_list("pk", flat=True))
    finally:
        registry.tenant_delete(tenant=copy)


def _rewrite(source: Path, target: Path, change) -> None:
    """Copy an export member by member, passing each (name, bytes) through ``change``."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def test_a_damaged_file_is_refused_and_nothing_is_created(populated, tmp_path, media_root):
    acme = populated("acme-dmg", applications=5)
    good, bad = tmp_path / "good.tenant", tmp_path / "bad.tenant"
    services.tenant_export(tenant=acme, output=good)

    def flip(name, data):
        if name == "tables/careers_application.copy.gz":  # one byte of the rows changed
            middle = len(data) // 2
            return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        return data

    _rewrite(good, bad, flip)
    with pytest.raises(ValidationError, match="damaged: the checksum of tables/careers_application.copy"):
        services.tenant_import(path=bad, slug="acme-bad")
    assert not Tenant.objects.filter(slug="acme-bad").exists()
    assert not schema_exists(schema="tenant_acme_bad", alias="default")
    assert not (media_root / "tenant_acme_bad").exists()

    (tmp_path / "junk.tenant").write_bytes(b"not a tar file at all")
    with pytest.raises(ValidationError, match="not a readable Tenantry export"):
        services.tenant_import(path=tmp_path / "junk.tenant", slug="acme-junk")


def test_a_file_from_a_newer_tenantry_is_refused(populated, tmp_path):
    acme = populated("acme-new", applications=2)
    exported, newer = tmp_path / "acme.tenant", tmp_path / "newer.tenant"
    services.tenant_export(tenant=acme, output=exported)

    def future(name, data):
        if name == MANIFEST:
            manifest = json.loads(data)
            manifest["migrations"].append(["careers", "9999_from_the_future"])
            return json.dumps(manifest).encode()
        return data

    _rewrite(exported, newer, future)
    with pytest.raises(ValidationError, match=r"newer version of Tenantry \(unknown migrations: "
                                              r"careers.9999_from_the_future\)"):
        services.tenant_import(path=newer, slug="acme-future")
    assert not Tenant.objects.filter(slug="acme-future").exists()


def test_a_taken_slug_is_refused_before_anything_is_written(populated, tmp_path):
    acme = populated("acme-tkn", applications=1)
    services.tenant_export(tenant=acme, output=tmp_path / "a.tenant")
    with pytest.raises(ValidationError, match="already taken"):
        services.tenant_import(path=tmp_path / "a.tenant")  # its own slug: still there


def test_the_cli_exports_and_imports_with_json(populated, tmp_path, capsys):
    acme = populated("acme-cli", applications=3)
    output = tmp_path / "cli.tenant"
    call_command("tenants", "export", "acme-cli", "--output", str(output), "--json")
    exported = json.loads(capsys.readouterr().out)
    assert exported["slug"] == "acme-cli" and exported["rows"] >= 3
    call_command("tenants", "import", str(output), "--slug", "acme-cli2", "--json")
    imported = json.loads(capsys.readouterr().out)
    assert imported == {"slug": "acme-cli2", "database": "default"}
    copy = Tenant.objects.get(slug="acme-cli2")
    assert sums_of(copy) == sums_of(acme)
    registry.tenant_delete(tenant=copy)


def _as_format_1(source: Path, target: Path, checksum) -> None:
    """An export as Tenantry wrote them before format 2: tables not compressed, md5 checksums."""
    with tarfile.open(source) as old, tarfile.open(target, "w") as new:
        manifest = json.loads(old.extractfile(MANIFEST).read())
        manifest["format_version"] = 1
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name == MANIFEST:
                continue
            if member.name.endswith(".copy.gz"):
                data, member.name = gzip.decompress(data), member.name.removesuffix(".gz")
                table = manifest["tables"][member.name.removeprefix("tables/").removesuffix(".copy")]
                table["sha256"] = hashlib.sha256(data).hexdigest()
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))
        for name, table in manifest["tables"].items():
            table["checksum"] = checksum(name)
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        new.addfile(info, io.BytesIO(data))


def test_a_file_of_format_1_still_imports_with_its_md5_checksums(populated, tmp_path):
    """Exports written before format 2 (compressed tables, sums of row hashes) stay importable."""
    acme = populated("acme-v1", applications=4)
    exported, older = tmp_path / "acme.tenant", tmp_path / "v1.tenant"
    services.tenant_export(tenant=acme, output=exported)
    with raw_connection(acme.database_alias) as connection, connection.cursor() as cursor:
        md5 = schema_sums(cursor, acme.schema_name, method=MD5)

    _as_format_1(exported, older, checksum=lambda table: md5[table].checksum)
    copy = services.tenant_import(path=older, slug="acme-v1-copy")
    try:
        assert sums_of(copy) == sums_of(acme)
    finally:
        registry.tenant_delete(tenant=copy)

    _as_format_1(exported, older, checksum=lambda table: "0" * 32)
    with pytest.raises(ValidationError, match="differs after loading"):
        services.tenant_import(path=older, slug="acme-v1-bad")
    assert not Tenant.objects.filter(slug="acme-v1-bad").exists()


def test_an_import_copies_the_template_schema_when_it_has_the_exports_migrations(
        populated, tmp_path, monkeypatch):
    """One round trip instead of replaying every migration, when the states are the same."""
    acme = populated("acme-tpl", applications=3)
    services.tenant_export(tenant=acme, output=tmp_path / "acme.tenant")
    copied, clone = [], template_schema.schema_clone
    monkeypatch.setattr(template_schema, "schema_clone",
                        lambda **kwargs: (copied.append(kwargs), clone(**kwargs)))
    copy = services.tenant_import(path=tmp_path / "acme.tenant", slug="acme-tpl-copy")
    try:
        assert copied == [{"schema_name": copy.schema_name, "alias": copy.database_alias}]
        assert sums_of(copy) == sums_of(acme)
    finally:
        registry.tenant_delete(tenant=copy)
