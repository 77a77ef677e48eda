"""What a tenant's slug, name, first admin's address and custom domains may be.

Every check is a full match (``re.fullmatch``): ``^...$`` would let a trailing newline through.
They run before anything is written, so bad input is refused and nothing is left half-made.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_domain_name

SLUG = re.compile(r"[a-z0-9-]+")
MIN_LENGTH, MAX_LENGTH = 3, 40
NAME_MAX_LENGTH = 100  # Tenant.name
EMAIL_MAX_LENGTH = 150  # the admin's e-mail is also their user name (auth.User.username)
DOMAIN_MAX_LENGTH = 253  # Domain.domain, and DNS
RESERVED_SLUGS = frozenset(
    {
        "admin", "api", "app", "assets", "auth", "billing", "blog", "cdn", "console", "dashboard",
        "dev", "docs", "ftp", "help", "imap", "internal", "localhost", "login", "mail", "media",
        "mx", "ns1", "ns2", "pop", "public", "root", "smtp", "staging", "static", "status",
        "support", "system", "tenant", "tenants", "test", "www",
    }
)
# Control, format (bidi overrides, zero-width), line/paragraph separators, surrogates, private
# use, unassigned: nothing a person types in a name, and they break e-mail headers and listings.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def validate_slug(slug: str) -> None:
    if not isinstance(slug, str) or not MIN_LENGTH <= len(slug) <= MAX_LENGTH:
        raise ValidationError(
            f"Slug {slug!r} must be {MIN_LENGTH} to {MAX_LENGTH} characters long.", code="length"
        )
    if not SLUG.fullmatch(slug):
        raise ValidationError(
            f"Slug {slug!r} may contain only lowercase letters, digits and hyphens.",
            code="characters",
        )
    if slug.startswith("-") or slug.endswith("-"):
        raise ValidationError(f"Slug {slug!r} cannot start or end with a hyphen.", code="hyphen")
    if slug in RESERVED_SLUGS:
        raise ValidationError(f"Slug {slug!r} is reserved.", code="reserved")


def validate_tenant_name(name: str) -> None:
    """An organization's display name: printable text, 1 to 100 characters once stripped."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("A tenant needs a name.", code="name")
    if _has_forbidden_character(name):
        raise ValidationError(
            "The name may not contain control characters such as line breaks or tabs.",
            code="name_characters",
        )
    if len(name.strip()) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"The name is {len(name.strip())} characters long; at most {NAME_MAX_LENGTH} are allowed.",
            code="name_length",
        )


def validate_admin_email(email: str) -> None:
    """The first staff admin's address, which is also their user name in the tenant."""
    if not isinstance(email, str) or _has_forbidden_character(email):
        raise ValidationError(f"{email!r} is not a valid e-mail address.", code="email")
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"The e-mail address is {len(email)} characters long; at most {EMAIL_MAX_LENGTH} "
            "are allowed.", code="email",
        )
    EmailValidator(message=f"{email!r} is not a valid e-mail address.", code="email")(email)


def validate_custom_domain(domain: str, *, base_domain: str) -> None:
    """A custom domain (already lower-cased, no trailing dot) that may serve a tenant.

    Hosts under the base domain are the platform's: ``<slug>.<BASE_DOMAIN>`` belongs to the
    tenant with that slug (present or future), and ``www``/``admin``/... are reserved.
    """
    if not isinstance(domain, str) or _has_forbidden_character(domain):
        raise ValidationError(f"{domain!r} is not a valid domain name.", code="invalid")
    if not domain.isascii():  # look-alike letters: only the explicit xn-- form is accepted
        raise ValidationError(
            f"{domain!r} has non-ASCII characters: enter its xn-- (punycode) form.", code="invalid"
        )
    if len(domain) > DOMAIN_MAX_LENGTH:
        raise ValidationError(
            f"The domain is {len(domain)} characters long; at most {DOMAIN_MAX_LENGTH} are allowed.",
            code="invalid",
        )
    try:
        validate_domain_name(domain)
    except ValidationError:
        raise ValidationError(f"{domain!r} is not a valid domain name.", code="invalid") from None
    if "." not in domain:
        raise ValidationError(f"{domain!r} is not a fully qualified domain name.", code="invalid")
    if domain == base_domain:
        raise ValidationError(f"{domain!r} is the platform's own domain.", code="reserved")
    if domain.endswith(f".{base_domain}"):
        raise ValidationError(
            f"{domain!r} is under the platform's domain {base_domain}: its hosts belong to "
            "the platform and to tenants by slug. Attach a domain of the organization's own.",
            code="reserved",
        )


def _has_forbidden_character(text: str) -> bool:
    return any(unicodedata.category(character) in FORBIDDEN_CATEGORIES for character in text)
