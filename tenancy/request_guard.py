"""Refuses, with a 400, input no part of Tenantry can store or look up: NUL characters.

PostgreSQL text cannot hold NUL, so a query string, form field, cookie or path carrying one
would otherwise end as a 500 deep in whichever query first used it (``/jobs/?q=%00``, an
admin filter, the autocomplete's ``term``, a session cookie). Checked once, here, first.
"""

from django.views.defaults import bad_request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL = "\x00"


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
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)  # uploaded files' bytes may hold NUL: only fields are checked
    return any(
        NUL in key or any(NUL in value for value in values)
        for source in sources for key, values in source.lists()
    )
