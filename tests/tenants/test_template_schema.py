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


@pytest.mark.django_db(transaction=True)
def test_what_the_copy_would_miss_is_detected_and_provisioning_migrates_instead():
    """A tenant app whose migration adds a view, a function, a trigger, a sequence and a
    partitioned table (tests/tenants/schema_objects), in a process with those settings."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.pgbouncer.fixtures import server_environment

    env = {**os.environ, **server_environment(None),
           "DJANGO_SETTINGS_MODULE": "tests.tenants.schema_objects_settings"}
    result = subprocess.run([sys.executable, "-m", "tests.tenants.schema_objects.compare"],
                            cwd=Path(__file__).resolve().parents[2], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])

    assert set(report["uncloneable"]) >= {
        "view open_jobs", "function job_title_upper", "trigger job_title_upper",
        "sequence invoice_number", "partitioned table event_log", "partition event_log_2026"}
    made, migrated, copied = (report[name] for name in
                              ("tenant_objects_made", "tenant_objects_migrated", "tenant_objects_copied"))
    assert made == migrated
    assert ["open_jobs", "v"] in made["relations"] and made["triggers"] and made["partitions"]
    # The table copy alone would have missed them, while django_migrations says applied.
    assert copied["views"] == [] and copied["functions"] == [] and copied["triggers"] == []
    assert copied["django_migrations"] == migrated["django_migrations"]


def test_the_platforms_own_template_holds_nothing_the_copy_misses():
    assert template_schema.uncloneable("default") == []
