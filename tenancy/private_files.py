"""Handing a tenant's private file to a user the calling view has already checked.

Django streams it from the storage by default. With ``TENANT_FILES_X_ACCEL_REDIRECT`` set
(``/_tenant_files/``), Django answers with an empty response whose ``X-Accel-Redirect`` names
the file under that ``internal`` nginx location, and nginx sends the bytes; clients can never
request that location themselves (``deploy/nginx/tenantry.conf``).
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header

from tenancy.storage import configured_tenant_storage

PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
}


def tenant_file_response(*, name: str, download_name: str) -> HttpResponse:
    """The current tenant's file ``name`` as an attachment called ``download_name``."""
    storage = configured_tenant_storage()
    content_type = mimetypes.guess_type(download_name)[0] or "application/octet-stream"
    x_accel = settings.TENANT_FILES_X_ACCEL_REDIRECT
    if x_accel:
        stored = storage.stored_name(name)  # raises outside a tenant's scope
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = x_accel.rstrip("/") + "/" + quote(stored)
        response["Content-Disposition"] = content_disposition_header(True, download_name)
    else:
        response = FileResponse(storage.open(name, "rb"), as_attachment=True,
                                filename=download_name, content_type=content_type)
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response
