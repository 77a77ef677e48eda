"""Schema names Tenantry creates: ``tenant_<slug>``, so none can collide with PostgreSQL's."""

import re

from django.core.exceptions import ImproperlyConfigured

SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
PREFIX = "tenant_"


def schema_name_for(slug: str) -> str:
    return PREFIX + slug.replace("-", "_")


def check_schema_name(name: str) -> None:
    """Schema names are written into SQL; only plain identifiers may get there."""
    if not SCHEMA_NAME.match(name):
        raise ImproperlyConfigured(f"{name!r} is not a schema name Tenantry uses")
