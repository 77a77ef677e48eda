"""``cached_db`` sessions that cannot come back to life after a sign-out or a rotation.

Django's ``cached_db`` deletes the row, then the cache entry; if Redis is hung or down at that
moment the delete is swallowed (``IGNORE_EXCEPTIONS``) and, once Redis answers again, the old
cookie is signed in from the stale entry. Here a session is only deleted (sign-out, rotation at
sign-in, flush) once the cache has confirmed forgetting it; if it cannot, nothing changes and the
request answers 503 "try again", so the session is never half deleted. Reads are unchanged: no
database query per request while the cache answers. The cost: while Redis is unreachable,
signing out (and signing in over an existing session) waits for it; pages and fresh sign-ins
carry on from PostgreSQL.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.shortcuts import render

logger = logging.getLogger(__name__)


class SessionCacheUnavailable(Exception):
    """The cache could not confirm forgetting a session, so the session was left as it was."""


class SessionStore(CachedDbSessionStore):
    def flush(self):
        self._forget_in_cache(self.session_key)  # before anything is cleared
        super().flush()

    def cycle_key(self):
        self._forget_in_cache(self.session_key)
        super().cycle_key()

    def delete(self, session_key=None):
        self._forget_in_cache(session_key or self.session_key)
        # The row, then the cache entry again: a request that reloaded it meanwhile is undone.
        super().delete(session_key)

    def _forget_in_cache(self, session_key: str | None) -> None:
        if session_key is None:
            return
        # django-redis answers None when it swallowed an error; every backend else a bool.
        if self._cache.delete(self.cache_key_prefix + session_key) is None:
            logger.warning("session not deleted: the cache could not confirm forgetting it")
            raise SessionCacheUnavailable


class SessionCacheUnavailableMiddleware:
    """A sign-out or sign-in that must wait for the cache: 503 and "try again", nothing changed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, SessionCacheUnavailable):
            return None
        response = render(request, "tenancy/session_unavailable.html", status=503)
        response["Retry-After"] = "30"
        return response
