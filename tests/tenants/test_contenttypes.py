"""Each schema numbers its content types itself; a cached id never crosses schemas."""

import pytest
from django.contrib.contenttypes.models import ContentType

from tenancy import context

pytestmark = pytest.mark.django_db


def test_content_type_cache_is_per_schema(make_tenant, in_tenant):
    acme = make_tenant("acme")
    public_probe = ContentType.objects.create(app_label="probe", model="thing")
    with in_tenant(acme):
        for _ in range(3):  # make sure the two schemas give the same natural key other ids
            ContentType.objects.create(app_label="probe", model=f"filler{_}")
        tenant_probe = ContentType.objects.create(app_label="probe", model="thing")
    assert public_probe.pk != tenant_probe.pk

    ContentType.objects.clear_cache()
    assert ContentType.objects.get_by_natural_key("probe", "thing").pk == public_probe.pk
    with in_tenant(acme):
        assert ContentType.objects.get_by_natural_key("probe", "thing").pk == tenant_probe.pk
        assert ContentType.objects.get_for_id(tenant_probe.pk).model == "thing"
    with context.activated(context.public_scope()):
        assert ContentType.objects.get_by_natural_key("probe", "thing").pk == public_probe.pk
