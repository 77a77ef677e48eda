"""What a tenant's slug (its subdomain and schema) may be."""

import re

from django.core.exceptions import ValidationError

SLUG = re.compile(r"^[a-z0-9-]+$")
MIN_LENGTH, MAX_LENGTH = 3, 40
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "app", "assets", "auth", "billing", "blog", "cdn", "console", "dashboard",
        "dev", "docs", "ftp", "help", "imap", "internal", "localhost", "login", "mail", "media",
        "mx", "ns1", "ns2", "pop", "public", "root", "smtp", "staging", "static", "status",
        "support", "system", "tenant", "tenants", "test", "www",
    }
)


def validate_slug(slug: str) -> None:
    if not MIN_LENGTH <= len(slug) <= MAX_LENGTH:
        raise ValidationError(
            f"Slug {slug!r} must be {MIN_LENGTH} to {MAX_LENGTH} characters long.", code="length"
        )
    if not SLUG.match(slug):
        raise ValidationError(
            f"Slug {slug!r} may contain only lowercase letters, digits and hyphens.",
            code="characters",
        )
    if slug.startswith("-") or slug.endswith("-"):
        raise ValidationError(f"Slug {slug!r} cannot start or end with a hyphen.", code="hyphen")
    if slug in RESERVED_SLUGS:
        raise ValidationError(f"Slug {slug!r} is reserved.", code="reserved")
