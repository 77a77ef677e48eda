"""ALLOWED_HOSTS that also admits tenants' custom domains, attached at run time, never ``*``.

A list of the platform's own patterns (``example.com``, ``.example.com``); iterating it then
yields the custom domains known to the host cache, which the services refresh on every
change. Django stops at the first match, so ordinary hosts never reach the domain list.
"""


from django.db import DatabaseError


class AllowedHosts(list):
    def __iter__(self):
        yield from super().__iter__()
        from tenancy.hosts import custom_domains  # models are not ready when settings load

        try:
            yield from custom_domains()
        except (DatabaseError, RuntimeError):  # no database (yet): a host we cannot check is refused
            return
