"""A new tenant's slug, suggested from its name: the first free one that passes validation."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from tenants import services
from tenants.validators import MAX_LENGTH, MIN_LENGTH


def slug_from_name(name: str) -> str:
    """``"Initech, Inc."`` -> ``"initech-inc"``: what a subdomain may hold."""
    slug = slugify(name).replace("_", "-")
    return slug[:MAX_LENGTH].strip("-")


def slug_suggest(*, name: str) -> str:
    """The name's slug, or ``<slug>-2``, ``-3``... when taken; the bare slug if none fits."""
    base = slug_from_name(name)
    if len(base) < MIN_LENGTH:
        return base
    for candidate in [base, *(f"{base[:MAX_LENGTH - 4]}-{n}" for n in range(2, 10))]:
        try:
            services.tenant_slug_validate(slug=candidate)
        except ValidationError as error:
            if error.code != "taken":
                return base  # reserved or malformed: no suffix makes it right, say why
            continue
        return candidate
    return base
