"""Refuses, with a 400, input no part of Tenantry can store or look up: NUL characters.

PostgreSQL text cannot hold NUL, so a query string, form field, cookie or path carrying one
would otherwise end as a 500 deep in whichever query first used it (``/jobs/?q=%00``, an
admin filter, the autocomplete's ``term``, a session cookie). Checked once, here, first.

It runs on every request, so the query string and the cookies are decoded only when their raw
text could decode to a NUL at all: a URL-encoded query only through ``%00`` or a raw NUL, a
cookie only through a raw NUL or the octal escape ``\\000`` of a quoted value.
"""

from django.conf import settings
from django.views.defaults import bad_request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL = "\x00"
UTF8 = ("utf-8", "utf8")  # charsets where only the byte 0 decodes to NUL


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            return bad_request(request, exception=None)
        return self.get_response(request)


def _carries_nul(request) -> bool:
    if NUL in request.path or NUL in request.path_info:
        return True
    meta = request.META
    cookie = meta.get("HTTP_COOKIE", "")
    if (NUL in cookie or "\\000" in cookie) and any(
            NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    query = meta.get("QUERY_STRING", "")
    if _query_may_carry_nul(request, query) and _any_nul(request.GET):
        return True
    if request.method == "POST" and request.content_type in FORM_TYPES:
        return _any_nul(request.POST)  # uploaded files' bytes may hold NUL: only fields are checked
    return False


def _query_may_carry_nul(request, query: str) -> bool:
    if not query:
        return False
    if (request.encoding or settings.DEFAULT_CHARSET).lower() not in UTF8:
        return True  # another charset: decode and look, whatever the raw text
    return NUL in query or "%00" in query


def _any_nul(source) -> bool:
    return any(NUL in key or any(NUL in value for value in values) for key, values in source.lists())
