"""CVs candidates upload: which documents we accept (by content, never by name or the
browser's word), and how much of an upload we keep while the request is read."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat


@dataclass(frozen=True)
class DocumentKind:
    extension: str
    mime: str
    label: str


PDF = DocumentKind("pdf", "application/pdf", "PDF")
DOCX = DocumentKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "Word (DOCX)")
ODT = DocumentKind("odt", "application/vnd.oasis.opendocument.text", "OpenDocument (ODT)")
CV_KINDS = {kind.mime: kind for kind in (PDF, DOCX, ODT)}
ACCEPTED = "PDF, DOCX or ODT"


def cv_document_kind(*, upload) -> DocumentKind:
    """What the uploaded CV is, judged by its bytes; ValidationError when we do not take it."""
    limit = settings.CAREERS_CV_MAX_SIZE
    if upload.size > limit:
        raise ValidationError(
            f"Your file is {filesizeformat(upload.size)}; the largest CV we accept is "
            f"{filesizeformat(limit)}.", code="too_large")
    if upload.size == 0:
        raise ValidationError("The file is empty.", code="empty")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guessed = filetype.guess(head)
    kind = CV_KINDS.get(guessed.mime) if guessed else None
    if kind is None or not _structure_matches(upload, kind):
        raise ValidationError(
            f"This file is not a {ACCEPTED} document (we look at its content, not its name). "
            "Save your CV in one of these formats and try again.", code="file_type")
    upload.seek(0)
    return kind


def _structure_matches(upload, kind: DocumentKind) -> bool:
    """The signature says ZIP-based document: the archive must open and hold the document."""
    if kind is PDF:
        return True  # filetype found "%PDF-" at the start; readers do the rest
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if kind is DOCX:
                return "[Content_Types].xml" in names and "word/document.xml" in names
            return ("mimetype" in names and "content.xml" in names
                    and archive.read("mimetype").strip() == kind.mime.encode())
    except (zipfile.BadZipFile, KeyError, OSError, EOFError):
        return False
    finally:
        upload.seek(0)


class BoundedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Like Django's, but a file stops growing on disk one byte past ``CAREERS_CV_MAX_SIZE``.

    The upload keeps its true size, so the form still says how large it was and refuses it;
    nginx's ``client_max_body_size`` is the cap in production, this one holds without it.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.kept = 0

    def receive_data_chunk(self, raw_data, start):
        room = settings.CAREERS_CV_MAX_SIZE + 1 - self.kept
        if room > 0:
            self.file.write(raw_data[:room])
            self.kept += min(room, len(raw_data))
