"""Content type ids belong to a schema, but Django caches them per database alias only.

Public and each tenant schema number their content types independently, and one process
serves several schemas at once (threads), so clearing the cache on a tenant switch is not
enough: the cache is keyed by alias *and* the current schema instead.
"""

from tenancy.context import current_scope


class SchemaKeyedCache(dict):
    """``ContentTypeManager._cache``: ``cache[alias]`` means this schema's entries on alias."""

    @staticmethod
    def _key(alias):
        return alias, current_scope().schema_name

    def __getitem__(self, alias):
        return super().__getitem__(self._key(alias))

    def __contains__(self, alias):
        return super().__contains__(self._key(alias))

    def get(self, alias, default=None):
        return super().get(self._key(alias), default)

    def setdefault(self, alias, default=None):
        return super().setdefault(self._key(alias), default)


def install() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects._cache = SchemaKeyedCache()
