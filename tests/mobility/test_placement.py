"""Placement at scale: databases with their tenants and sizes; fewest-tenants placement."""

import json

import pytest
from django.core.management import call_command

from tenants import services

pytestmark = pytest.mark.django_db(databases="__all__")


def test_fewest_tenants_places_new_tenants_on_the_emptiest_database(settings, make_tenant):
    settings.TENANT_PLACEMENT = "fewest-tenants"
    first = make_tenant("spread-a")  # both empty: the primary wins the tie
    second = make_tenant("spread-b")
    third = make_tenant("spread-c")
    assert [first.database_alias, second.database_alias, third.database_alias] == [
        "default", "dedicated", "default"]
    settings.TENANT_PLACEMENT = "primary"
    assert make_tenant("spread-d").database_alias == "default"


def test_an_unknown_placement_policy_is_a_clear_error(settings, make_tenant):
    from django.core.exceptions import ValidationError

    settings.TENANT_PLACEMENT = "random"
    with pytest.raises(ValidationError, match="TENANT_PLACEMENT='random' is not one of primary, fewest-tenants"):
        services.tenant_create(slug="nowhere", name="Nowhere")


def test_tenants_list_filters_by_database(make_tenant, capsys):
    make_tenant("on-primary")
    make_tenant("on-dedicated", database_alias="dedicated")
    call_command("tenants", "list", "--database", "dedicated", "--json")
    assert [row["slug"] for row in json.loads(capsys.readouterr().out)] == ["on-dedicated"]
