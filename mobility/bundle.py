"""The tenant export file: one tar holding a manifest and each table's rows.

``manifest.json`` says what the tenant is (slug, name, plan, domains), which migrations its
schema had, and for every table its columns, row count, checksum (``mobility.tables``) and
the sha256 of its data member ``tables/<name>.copy.gz`` (PostgreSQL's COPY text format,
gzipped at level 1: a tenth of the size for a fraction of the time a stronger level takes).
A file whose bytes changed fails those hashes and is refused before anything is written.
Files of format 1 (members ``tables/<name>.copy``, not compressed) are still read.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError

FORMAT = "tenantry-tenant-export"
FORMAT_VERSION = 2  # 2: tables gzipped, their checksums sums of row hashes (mobility.tables)
MANIFEST = "manifest.json"
CHUNK = 1 << 20
COMPRESSION_LEVEL = 1


@dataclass
class Manifest:
    tenant: dict
    migrations: list[list[str]]
    tables: dict[str, dict]
    exported_at: str
    tenantry_version: str
    files: dict[str, dict] = field(default_factory=dict)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    compression: str = "gzip"  # of the table members: "gzip" or "none" (format 1: none)

    @property
    def compressed(self) -> bool:
        return self.format_version >= 2 and self.compression == "gzip"

    def as_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode()


def member_name(table: str, compressed: bool = True) -> str:
    return f"tables/{table}.copy" + (".gz" if compressed else "")


class Compressing(io.RawIOBase):
    """Gzip what is written (one COPY row at a time) into ``target``, a megabyte at a time."""

    def __init__(self, target: IO[bytes]):
        self._gzip = gzip.GzipFile(fileobj=target, mode="wb", compresslevel=COMPRESSION_LEVEL)
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        if len(self._buffer) >= CHUNK:
            self._gzip.write(self._buffer)
            self._buffer.clear()
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._gzip.write(self._buffer)
            self._gzip.close()
        super().close()


def file_member(name: str) -> str:
    return f"files/{name}"


class BundleWriter:
    """Write members as they are produced, then the manifest last.

    ``compress=False`` for a file read back at once (a frozen move's): CPU saved, not bytes.
    """

    def __init__(self, path: Path, *, compress: bool = True):
        self.path, self.compress = path, compress
        self._tar = tarfile.open(path, "w")

    def add_rows(self, table: str, copy: Callable[[IO[bytes]], None]) -> str:
        """Add what ``copy`` writes (a table's COPY data) as the table's member; its sha256."""
        with tempfile.TemporaryFile() as spool:
            if self.compress:
                with Compressing(spool) as packed:
                    copy(packed)
            else:
                copy(spool)
            spool.seek(0)
            return self.add(member_name(table, self.compress), spool)

    def add(self, name: str, source: IO[bytes]) -> str:
        """Add ``source`` (a file positioned at 0) as ``name``; returns its sha256."""
        digest = hashlib.sha256()
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
        size = source.tell()
        source.seek(0)
        info = tarfile.TarInfo(name)
        info.size = size
        self._tar.addfile(info, source)
        return digest.hexdigest()

    def finish(self, manifest: Manifest) -> None:
        manifest.compression = "gzip" if self.compress else "none"
        data = manifest.as_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()

    def abort(self) -> None:
        self._tar.close()
        self.path.unlink(missing_ok=True)


class BundleReader:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self._tar = tarfile.open(self.path, "r")
            self.manifest = Manifest(**json.loads(self._read(MANIFEST)))
        except (OSError, tarfile.TarError, ValueError, TypeError, KeyError) as error:
            raise ValidationError(f"{self.path} is not a readable Tenantry export ({error}).",
                                  code="damaged") from None
        if self.manifest.format != FORMAT or self.manifest.format_version > FORMAT_VERSION:
            raise ValidationError(f"{self.path} is a {self.manifest.format} file of version "
                                  f"{self.manifest.format_version}, which this Tenantry cannot read.",
                                  code="format")

    def _read(self, name: str) -> bytes:
        member = self._tar.extractfile(name)
        if member is None:
            raise KeyError(name)
        return member.read()

    def open(self, name: str) -> IO[bytes]:
        member = self._tar.extractfile(name)
        if member is None:
            raise ValidationError(f"{self.path} is damaged: {name} is missing.", code="damaged")
        return member

    def table_rows(self, table: str) -> IO[bytes]:
        """The COPY data of ``table``, as written."""
        member = self.open(member_name(table, self.manifest.compressed))
        return gzip.GzipFile(fileobj=member, mode="rb") if self.manifest.compressed else member

    def verify(self) -> None:
        """Every data member is there and has the bytes the manifest promises."""
        compressed = self.manifest.compressed
        expected = {member_name(table, compressed): info["sha256"] for table, info in self.manifest.tables.items()}
        expected.update({file_member(name): info["sha256"] for name, info in self.manifest.files.items()})
        for name, sha256 in expected.items():
            digest = hashlib.sha256()
            try:
                source = self.open(name)
                for chunk in iter(lambda: source.read(CHUNK), b""):
                    digest.update(chunk)
            except (OSError, tarfile.TarError, KeyError) as error:
                raise ValidationError(f"{self.path} is damaged ({name}: {error}).", code="damaged") from None
            if digest.hexdigest() != sha256:
                raise ValidationError(f"{self.path} is damaged: the checksum of {name} does not match "
                                      "its manifest.", code="damaged")

    def members(self, prefix: str) -> Iterator[str]:
        return (name for name in self._tar.getnames() if name.startswith(prefix))

    def close(self) -> None:
        self._tar.close()
