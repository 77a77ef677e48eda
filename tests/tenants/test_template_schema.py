"""A cloned schema is the schema migrations would have built, and provisioning uses it."""

import pytest
from django.db import connection

from tenants import schemas, template_schema
from tenants.models import Tenant
from tenants.schemas import UNSCOPED_SEARCH_PATH

pytestmark = pytest.mark.django_db


def shape(schema: str) -> dict:
    """Everything later migrations rely on, with the schema's own name taken out."""
    queries = {
        "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default,
                             is_identity, identity_generation
                      FROM information_schema.columns WHERE table_schema = %(s)s""",
        "constraints": """SELECT conrelid::regclass::text, conname, contype,
                                 pg_get_constraintdef(oid)
                          FROM pg_constraint WHERE connamespace = %(s)s::regnamespace""",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %(s)s",
    }
    result = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, {"s": schema})
            result[name] = sorted(tuple(str(v).replace(schema, "<schema>") for v in row)
                                  for row in cursor.fetchall())
        for table, columns in [("django_migrations", "app, name"),
                               ("django_content_type", "id, app_label, model"),
                               ("auth_permission", "id, content_type_id, codename"),
                               ("auth_group", "id, name")]:
            cursor.execute(f'SELECT {columns} FROM "{schema}".{table} ORDER BY 1, 2')
            result[table] = cursor.fetchall()
    return result


def test_a_clone_is_identical_to_a_migrated_schema():
    migrated = Tenant(slug="migrated", schema_name="tenant_migrated", database_alias="default")
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "tenant_migrated"')
    schemas.schema_migrate(tenant=migrated)
    template_schema.schema_clone(schema_name="tenant_cloned", alias="default")

    migrated_shape, cloned_shape = shape("tenant_migrated"), shape("tenant_cloned")
    for part in migrated_shape:
        assert cloned_shape[part] == migrated_shape[part], part
    assert len(migrated_shape["django_migrations"]) > 10 and migrated_shape["auth_group"]


def test_a_cloned_tenant_takes_new_rows_after_the_copied_ones(make_tenant, in_tenant):
    from django.contrib.auth.models import Group, Permission

    assert template_schema.template_ready("default")
    acme = make_tenant("acme")
    with in_tenant(acme):
        group = Group.objects.create(name="New group")  # identity continues past copied rows
        assert group.pk > Group.objects.exclude(pk=group.pk).order_by("-pk").first().pk
        assert Permission.objects.filter(codename="add_job").exists()


@pytest.mark.django_db(transaction=True)
def test_provisioning_leaves_no_search_path_on_the_server_connection(make_tenant):
    connection.close()
    make_tenant("acme")
    with connection.connection.cursor() as raw:
        raw.execute("SHOW search_path")
        assert raw.fetchone()[0] == UNSCOPED_SEARCH_PATH
