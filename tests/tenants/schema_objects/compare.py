"""Run with ``DJANGO_SETTINGS_MODULE=tests.tenants.schema_objects_settings``: migrates the
template with the ``schema_objects`` app, then prints (JSON) the shape of a tenant schema
provisioned from it, of one migrated, and of one made by the plain table copy; drops them all."""

import json

import django

django.setup()

from django.db import connection  # noqa: E402

from tenants import schemas, template_schema  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tests.tenants.test_template_schema import shape  # noqa: E402

OBJECTS = {
    "relations": "SELECT relname, relkind::text FROM pg_class WHERE relnamespace = %(s)s::regnamespace",
    "views": """SELECT viewname, definition FROM pg_views WHERE schemaname = %(s)s""",
    "functions": """SELECT proname, pg_get_functiondef(oid) FROM pg_proc
                    WHERE pronamespace = %(s)s::regnamespace""",
    "triggers": """SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
                   JOIN pg_class c ON c.oid = t.tgrelid
                   WHERE c.relnamespace = %(s)s::regnamespace AND NOT t.tgisinternal""",
    "sequences": """SELECT sequencename, start_value, increment_by FROM pg_sequences
                    WHERE schemaname = %(s)s""",
    "partitions": """SELECT child.relname, parent.relname, pg_get_expr(child.relpartbound, child.oid)
                     FROM pg_inherits i JOIN pg_class child ON child.oid = i.inhrelid
                     JOIN pg_class parent ON parent.oid = i.inhparent
                     WHERE child.relnamespace = %(s)s::regnamespace""",
}


def full_shape(schema: str) -> dict:
    result = {part: [list(row) for row in rows] for part, rows in shape(schema).items()}
    with connection.cursor() as cursor:
        for part, sql in OBJECTS.items():
            cursor.execute(sql, {"s": schema})
            result[part] = sorted([str(v).replace(schema, "<schema>") for v in row] for row in cursor.fetchall())
    return result


def main() -> None:
    names = ["tenant_objects_made", "tenant_objects_migrated", "tenant_objects_copied"]
    template = template_schema.template_schema_name()
    try:
        template_schema.template_migrate(alias="default")
        missed = template_schema.uncloneable("default")
        # Provisioning, as tenant_create does it.
        schemas.schema_create(tenant=Tenant(slug="objects-made", schema_name=names[0], database_alias="default"))
        # Every migration, one by one.
        migrated = Tenant(slug="objects-migrated", schema_name=names[1], database_alias="default")
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{names[1]}"')
        schemas.schema_migrate(tenant=migrated)
        # The table copy alone (what provisioning did before it knew what it misses).
        template_schema._uncloneable["default"] = []
        template_schema.schema_clone(schema_name=names[2], alias="default")
        print(json.dumps({"uncloneable": missed, **{name: full_shape(name) for name in names}}))
    finally:
        with connection.cursor() as cursor:
            for name in [*names, template]:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


if __name__ == "__main__":
    main()
