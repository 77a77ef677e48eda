"""Every validator against hostile strings: control characters, look-alikes, lengths at and past
the limits. Each is a full match: nothing slips through after a newline."""

import pytest
from django.core.exceptions import ValidationError

from tenants.validators import (DOMAIN_MAX_LENGTH, EMAIL_MAX_LENGTH, MAX_LENGTH, MIN_LENGTH,
                                NAME_MAX_LENGTH, validate_admin_email, validate_custom_domain,
                                validate_slug, validate_tenant_name)

BASE = "tenantry.test"
CONTROL = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u200b",
           "\u202e", "\ufeff", "\ud800", "\ue000"]


def refused(validator, value, **kwargs) -> str:
    with pytest.raises(ValidationError) as error:
        validator(value, **kwargs)
    return " ".join(error.value.messages)


@pytest.mark.parametrize("character", CONTROL)
@pytest.mark.parametrize("where", ["end", "start", "middle"])
def test_no_validator_accepts_a_control_or_format_character(character, where):
    def place(text):
        return {"end": text + character, "start": character + text,
                "middle": text[:2] + character + text[2:]}[where]

    refused(validate_slug, place("acme"))
    refused(validate_tenant_name, place("Acme Corp"))
    refused(validate_admin_email, place("boss@acme.example"))
    refused(validate_custom_domain, place("careers.acme.example"), base_domain=BASE)


@pytest.mark.parametrize("slug", [
    "acme\n", "acme\r\n", " acme", "acme ", "ac me", "Acme", "acme_co", "acme.co", "-acme", "acme-",
    "аcme",  # Cyrillic а
    "acme\uff0d", "ａｃｍｅ", "acmé", "acme٣", "ac", "a" * (MAX_LENGTH + 1), "", "www", "public",
])
def test_slug_refuses_hostile_strings(slug):
    refused(validate_slug, slug)


@pytest.mark.parametrize("slug", ["a" * MIN_LENGTH, "a" * MAX_LENGTH, "acme-2", "0day"])
def test_slug_accepts_the_limits(slug):
    validate_slug(slug)


def test_name_lengths_at_and_past_the_limit():
    validate_tenant_name("N" * NAME_MAX_LENGTH)
    validate_tenant_name("  Ünïcödé Ørg — 株式会社  ")  # letters of any script are a name
    assert "at most 100" in refused(validate_tenant_name, "N" * (NAME_MAX_LENGTH + 1))
    assert "needs a name" in refused(validate_tenant_name, "   ")
    assert "control characters" in refused(validate_tenant_name, "Newline\nCorp")


@pytest.mark.parametrize("email", [
    "boss@acme.example\n", "boss@acme.example\r\nBcc: all@example.com", "boss", "@acme.example",
    "boss@", "bo ss@acme.example", "b" * (EMAIL_MAX_LENGTH - len("@acme.example") + 1) + "@acme.example",
])
def test_admin_email_refuses_hostile_strings(email):
    refused(validate_admin_email, email)


def test_admin_email_accepts_the_length_limit():
    validate_admin_email("b" * (EMAIL_MAX_LENGTH - len("@acme.example")) + "@acme.example")


@pytest.mark.parametrize("domain", [
    "tenantry.test", "www.tenantry.test", "admin.tenantry.test", "futureco.tenantry.test",
    "a.b.tenantry.test", "localhost", "not a domain", "careers.acme.example\n",
    "саreers.acme.example",  # Cyrillic с and а
    ("a" * 63 + ".") * 4 + "example",
])
def test_custom_domain_refuses_hostile_strings_and_the_platforms_own(domain):
    refused(validate_custom_domain, domain, base_domain=BASE)


def test_custom_domain_under_the_base_domain_says_why():
    message = refused(validate_custom_domain, "futureco.tenantry.test", base_domain=BASE)
    assert "under the platform's domain tenantry.test" in message


def test_custom_domain_accepts_real_ones_up_to_the_limit():
    validate_custom_domain("careers.acme.example", base_domain=BASE)
    validate_custom_domain("xn--bcher-kva.example", base_domain=BASE)
    validate_custom_domain("nottenantry.test", base_domain=BASE)  # a suffix is not a subdomain
    longest = ".".join(["a" * 61] * 4) + ".examp"
    assert len(longest) == DOMAIN_MAX_LENGTH
    validate_custom_domain(longest, base_domain=BASE)
