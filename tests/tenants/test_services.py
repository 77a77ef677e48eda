"""Provisioning: slugs are validated, and a failure leaves nothing half-made."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tenants import invites, schemas, services
from tenants.models import Domain, Tenant


def schema_exists(name: str) -> bool:
    return schemas.schema_exists(schema_name=name, alias="default")


@pytest.mark.django_db
def test_create_makes_a_live_tenant_with_schema_domain_and_tables(make_tenant, in_tenant):
    tenant = make_tenant("acme", name="Acme")
    assert tenant.schema_name == "tenant_acme" and tenant.database_alias == "default"
    assert Domain.objects.get(tenant=tenant, is_primary=True).domain == "acme.tenantry.test"
    assert schema_exists("tenant_acme")
    with in_tenant(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user")
        assert cursor.fetchone() == (0,)


BAD_SLUGS = [
    ("ab", "must be 3 to 40 characters long"),
    ("a" * 41, "must be 3 to 40 characters long"),
    ("Acme", "may contain only lowercase letters, digits and hyphens"),
    ("acme_corp", "may contain only lowercase letters, digits and hyphens"),
    ("acme corp", "may contain only lowercase letters, digits and hyphens"),
    ("acmé", "may contain only lowercase letters, digits and hyphens"),
    ("-acme", "cannot start or end with a hyphen"),
    ("acme-", "cannot start or end with a hyphen"),
    ("www", "is reserved"),
    ("admin", "is reserved"),
    ("api", "is reserved"),
    ("public", "is reserved"),
    ("static", "is reserved"),
    ("mail", "is reserved"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("slug, message", BAD_SLUGS)
def test_bad_slugs_are_refused_with_their_message(slug, message):
    with pytest.raises(ValidationError) as error:
        services.tenant_create(slug=slug, name="Bad")
    assert message in " ".join(error.value.messages)
    assert not Tenant.objects.exists()


@pytest.mark.django_db
def test_duplicate_slug_is_refused(make_tenant):
    make_tenant("acme")
    with pytest.raises(ValidationError, match="'acme' is already taken"):
        services.tenant_create(slug="acme", name="Acme again")
    assert Tenant.objects.filter(slug="acme").count() == 1


@pytest.mark.django_db
def test_a_slug_taken_between_validation_and_insert_is_refused_clearly(make_tenant, monkeypatch):
    make_tenant("acme")
    monkeypatch.setattr(services, "_validate_new_tenant", lambda **kwargs: None)  # lose the race
    with pytest.raises(ValidationError, match="'acme' is already taken"):
        services.tenant_create(slug="acme", name="Acme again")
    assert Tenant.objects.filter(slug="acme").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "  "}, "A tenant needs a name."),
        ({"name": "X", "plan": "platinum"}, "Plan 'platinum' is not one of"),
        ({"name": "X", "database_alias": "nowhere"}, "Database alias 'nowhere' is not configured"),
        ({"name": "X", "admin_email": "not-an-email"}, "'not-an-email' is not a valid e-mail"),
    ],
)
def test_other_bad_input_is_refused_clearly(kwargs, message):
    with pytest.raises(ValidationError) as error:
        services.tenant_create(slug="valid-slug", **kwargs)
    assert message in " ".join(error.value.messages)
    assert not Tenant.objects.exists() and not schema_exists("tenant_valid_slug")


@pytest.mark.django_db(transaction=True)
def test_provisioning_that_fails_after_the_schema_exists_leaves_no_schema_and_no_row(monkeypatch):
    seen = {}

    def fail_after_schema(*, tenant, email):
        seen["schema_existed"] = schema_exists(tenant.schema_name)
        raise RuntimeError("mail server exploded")

    monkeypatch.setattr(invites, "staff_admin_invite", fail_after_schema)
    with pytest.raises(RuntimeError, match="mail server exploded"):
        services.tenant_create(slug="doomed", name="Doomed", admin_email="boss@doomed.example")

    assert seen == {"schema_existed": True}
    assert not schema_exists("tenant_doomed")
    assert not Tenant.objects.filter(slug="doomed").exists()
    assert not Domain.objects.filter(domain__startswith="doomed.").exists()


@pytest.mark.django_db(transaction=True)
def test_delete_drops_the_schema_and_the_rows():
    tenant = services.tenant_create(slug="shortlived", name="Short").tenant
    assert schema_exists("tenant_shortlived")
    services.tenant_delete(tenant=tenant)
    assert not schema_exists("tenant_shortlived")
    assert not Tenant.objects.filter(slug="shortlived").exists()
    assert not Domain.objects.filter(tenant_id=tenant.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["not a domain", "localhost", "tenantry.test", "acme.tenantry.test"])
def test_custom_domains_are_validated_and_unique(make_tenant, bad):
    acme = make_tenant("acme")
    with pytest.raises(ValidationError):
        services.domain_attach(tenant=acme, domain=bad)


@pytest.mark.django_db
def test_invite_creates_the_staff_admin_in_the_tenant_schema_only(make_tenant, in_tenant, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    with django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        provisioned = services.tenant_create(slug="initech", name="Initech",
                                             admin_email="bill@initech.example")
    assert provisioned.invite_link.startswith("http://initech.tenantry.test/admin/invite/")
    with in_tenant(provisioned.tenant):
        user = User.objects.get(username="bill@initech.example")
        assert user.is_staff and not user.has_usable_password()
    assert not User.objects.filter(username="bill@initech.example").exists()  # not in public
    assert len(mailoutbox) == 1 and provisioned.invite_link in mailoutbox[0].body
    assert mailoutbox[0].to == ["bill@initech.example"]


@pytest.mark.django_db
@pytest.mark.parametrize("domain", ["www.tenantry.test", "admin.tenantry.test", "futureco.tenantry.test",
                                    "FutureCo.Tenantry.Test."])
def test_custom_domains_under_the_base_domain_are_refused_so_future_slugs_stay_free(make_tenant, domain):
    acme = make_tenant("acme")
    with pytest.raises(ValidationError, match="under the platform's domain"):
        services.domain_attach(tenant=acme, domain=domain)
    assert list(acme.domains.values_list("domain", flat=True)) == ["acme.tenantry.test"]
    make_tenant("futureco")  # its own host is still free


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs", [
    {"slug": "nlco2", "name": "Newline\nCorp", "admin_email": "boss@nl.example"},
    {"slug": "acme\n", "name": "Acme"},
    {"slug": "longname", "name": "N" * 101},
    {"slug": "longmail", "name": "L", "admin_email": "b" * 140 + "@nl.example"},
])
def test_hostile_input_is_refused_before_anything_is_written(kwargs):
    with pytest.raises(ValidationError):
        services.tenant_create(**kwargs)
    assert not Tenant.objects.exists()
    assert not schema_exists(f"tenant_{kwargs['slug'].strip()}")
