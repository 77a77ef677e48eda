"""Steps the fleet tests and ``bench/fleet.py`` run in a Django process of their own.

    python -m tests.fleet.tasks provision --count 200 [--prefix t] [--dedicated-every 4]
    python -m tests.fleet.tasks django-migrate --schema fleet_ref
Each prints one JSON object on its last line. Settings: ``tests.fleet.settings`` by default.
"""

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.fleet.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django_tenants.postgresql_backend.base import FakeTenant  # noqa: E402

from tenancy import context  # noqa: E402
from tenants import services  # noqa: E402
from tenants.models import Tenant  # noqa: E402


def provision(args) -> dict:
    """Tenants ``<prefix>-00000``...: every ``--dedicated-every``-th on the dedicated database."""
    aliases = [alias for alias in settings.DATABASES if alias not in ("default", "audit")]
    existing = set(Tenant.objects.values_list("slug", flat=True))
    if args.fast:
        return provision_fast(args, aliases, existing)
    seconds = []
    for number in range(args.count):
        slug = f"{args.prefix}-{number:05d}"
        if slug in existing:
            continue
        dedicated = aliases and args.dedicated_every and number % args.dedicated_every == 1
        started = time.perf_counter()
        services.tenant_create(slug=slug, name=slug.title(),
                               database_alias=aliases[0] if dedicated else "default")
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    return {"created": len(seconds), "total": Tenant.objects.count(),
            "p50_s": statistics.median(seconds) if seconds else None,
            "p90_s": seconds[int(len(seconds) * 0.9)] if seconds else None}


def provision_fast(args, aliases: list[str], existing: set[str]) -> dict:
    """Registry rows and template clones only (no domain, invite or audit event): for tests
    that need many tenants and not the rest of provisioning."""
    from django.db import transaction

    from tenancy.schema_names import schema_name_for
    from tenants.template_schema import schema_clone, template_ready

    created = 0
    for number in range(args.count):
        slug = f"{args.prefix}-{number:05d}"
        if slug in existing:
            continue
        dedicated = aliases and args.dedicated_every and number % args.dedicated_every == 1
        alias = aliases[0] if dedicated else "default"
        assert template_ready(alias)
        with transaction.atomic(using="default"), transaction.atomic(using=alias):
            tenant = Tenant.objects.create(slug=slug, name=slug.title(), database_alias=alias,
                                           schema_name=schema_name_for(slug))
            schema_clone(schema_name=tenant.schema_name, alias=alias)
        created += 1
    return {"created": created, "total": Tenant.objects.count()}


def django_migrate(args) -> dict:
    """Django's own ``migrate`` for a bare schema on the primary (no tenant owns it)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA IF NOT EXISTS "{args.schema}"')
    scope = context.Scope(args.schema, "default", FakeTenant(args.schema), True)
    with context.activated(scope):
        call_command("migrate", database="default", interactive=False, verbosity=0)
    return {"migrated": args.schema}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="task", required=True)
    p = sub.add_parser("provision")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--prefix", default="t")
    p.add_argument("--dedicated-every", type=int, default=4)
    p.add_argument("--fast", action="store_true", help="rows and schema clones only")
    sub.add_parser("django-migrate").add_argument("--schema", required=True)
    args = parser.parse_args()
    result = {"provision": provision, "django-migrate": django_migrate}[args.task](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
