"""``manage.py tenants ...``: the operator's CLI over the registry, fleet and operations services (thin)."""

import argparse
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from controlplane.management import operations_cli
from controlplane.management.mobility_commands import MobilityCommands
from fleet import services as fleet_services
from fleet.reporting import reporter_for
from tenants import doctor, selectors, services
from tenancy.hosts import tenant_url
from tenants.models import Tenant


def one_line(error: Exception) -> str:
    """``Type: first line of the message``: what an operator needs, without a traceback."""
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def tenant_as_dict(tenant: Tenant) -> dict:
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "status": tenant.status,
        "plan": tenant.plan,
        "database": tenant.database_alias,
        "schema": tenant.schema_name,
        "url": tenant_url(tenant),
        "domains": [domain.domain for domain in tenant.domains.all()],
        "created": tenant.created.isoformat(),
    }


def slug_list(value: str) -> list[str]:
    return [slug.strip() for slug in value.split(",") if slug.strip()]


class Command(MobilityCommands, BaseCommand):
    help = "Provision and operate tenants."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = sub.add_parser("create", help="Create a live tenant.")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        create.add_argument("--plan", default=Tenant.Plan.FREE, choices=Tenant.Plan.values)
        create.add_argument("--database", dest="database_alias", default=None,
                            help="Database alias to place the tenant on (default: the primary).")
        create.add_argument("--admin-email", default=None,
                            help="Invite this address as the first staff admin.")
        create.add_argument("--json", action="store_true")

        listing = sub.add_parser("list", help="List tenants.")
        listing.add_argument("--database", dest="database_alias", default="",
                             help="Only the tenants on this database alias.")
        listing.add_argument("--json", action="store_true")

        for action in ("suspend", "resume"):
            sub.add_parser(action, help=f"{action.capitalize()} a tenant.").add_argument("slug")

        delete = sub.add_parser("delete", help="Delete a tenant and all its data.")
        delete.add_argument("slug")
        delete.add_argument("--yes", action="store_true", help="Confirm the deletion.")

        migrate = sub.add_parser(
            "migrate", help="Migrate the control plane, every database's template, every tenant "
                            "schema and the audit database.")
        migrate.add_argument("--check", action="store_true",
                             help="Exit 0 if everything is current, 1 if anything is behind.")
        migrate.add_argument("--canary", type=int, default=None, metavar="N",
                             help="Migrate the templates and N tenants behind, then stop.")
        migrate.add_argument("--tenants", type=slug_list, default=None, metavar="SLUG,SLUG",
                             help="Migrate only these tenants (after the control plane and templates).")
        migrate.add_argument("--parallel", type=int, default=None, metavar="N",
                             help="Workers (default: the number of cores).")
        migrate.add_argument("--json", action="store_true", help="Print a JSON summary on stdout.")
        migrate.add_argument("--verify", action="store_true",
                             help="Read every schema's django_migrations, not the fleet's markers.")
        # Also after the action (`tenants migrate -v 2`): one line per tenant schema.
        migrate.add_argument("-v", "--verbosity", type=int, choices=[0, 1, 2, 3],
                             default=argparse.SUPPRESS)
        self.add_mobility_arguments(sub)

        doctor = sub.add_parser("doctor", help="Find and repair half-made, half-deleted or orphaned tenants.")
        doctor.add_argument("--dry-run", action="store_true",
                            help="Only report; exit 1 if anything needs repair.")
        doctor.add_argument("--json", action="store_true")

        attach = sub.add_parser("attach-domain", help="Serve a tenant on a custom domain too.")
        attach.add_argument("slug")
        attach.add_argument("domain")

        operations_cli.add_parser(sub)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"handle_{action.replace('-', '_')}")(**options)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except Tenant.DoesNotExist:
            raise CommandError(f"No tenant with slug {options.get('slug')!r}.") from None
        except CommandError:
            raise
        except Exception as error:  # an operator gets one line and exit 1, never a traceback
            if options.get("traceback"):
                raise
            raise CommandError(f"tenants {action} failed: {one_line(error)}") from None

    def handle_create(self, *, slug, name, plan, database_alias, admin_email, json=False, **_):
        provisioned = services.tenant_create(
            slug=slug, name=name, plan=plan, database_alias=database_alias, admin_email=admin_email
        )
        tenant = provisioned.tenant
        if json:
            self.stdout.write(self._json({**tenant_as_dict(tenant), "invite_link": provisioned.invite_link,
                                          "invite_error": provisioned.invite_error}))
            return
        self.stdout.write(self.style.SUCCESS(f"Created {tenant.name} at {tenant_url(tenant)} "
                                             f"(database {tenant.database_alias})."))
        if provisioned.invite_error:
            self.stderr.write(f"The invite e-mail to {admin_email} could not be sent "
                              f"({provisioned.invite_error}); give them this link: {provisioned.invite_link}")
        elif provisioned.invite_link:
            self.stdout.write(f"Invite e-mail to {admin_email} handed to the workers: {provisioned.invite_link}")

    def handle_list(self, *, database_alias="", json=False, **_):
        rows = [tenant_as_dict(tenant) for tenant in selectors.tenant_list(database_alias=database_alias)]
        if json:
            self.stdout.write(self._json(rows))
            return
        self.stdout.write(f"{'SLUG':<20} {'STATUS':<10} {'PLAN':<11} {'DATABASE':<12} URL")
        for row in rows:
            self.stdout.write(f"{row['slug']:<20} {row['status']:<10} {row['plan']:<11} "
                              f"{row['database']:<12} {row['url']}")

    def handle_suspend(self, *, slug, **_):
        services.tenant_suspend(tenant=selectors.tenant_get(slug=slug))
        self.stdout.write(f"Suspended {slug}.")

    def handle_resume(self, *, slug, **_):
        services.tenant_resume(tenant=selectors.tenant_get(slug=slug))
        self.stdout.write(f"Resumed {slug}.")

    def handle_delete(self, *, slug, yes, **_):
        tenant = selectors.tenant_get(slug=slug)
        if not yes:
            raise CommandError(f"Deleting {slug} drops all its data: run again with --yes.")
        services.tenant_delete(tenant=tenant)
        self.stdout.write(f"Deleted {slug}.")

    def handle_attach_domain(self, *, slug, domain, **_):
        attached = services.domain_attach(tenant=selectors.tenant_get(slug=slug), domain=domain)
        self.stdout.write(f"{attached.domain} now serves {slug}; point its DNS at the platform.")

    def handle_operations(self, **options):
        operations_cli.handle(self, **options)

    def handle_migrate(self, *, check=False, canary=None, tenants=None, parallel=None, json=False,
                       verify=False, verbosity=1, **_):
        if check:
            result = fleet_services.fleet_check(verify=verify)
            if json:
                self.stdout.write(self._json(result.as_dict()))
            else:
                for alias in sorted(result.schemas):
                    self.stdout.write(f"{alias}: {result.behind[alias]} of {result.schemas[alias]} "
                                      "tenant schemas behind")
                for alias, missing in sorted(result.databases_behind.items()):
                    self.stdout.write(f"database {alias}: {missing} migration(s) behind")
                for alias in result.templates_behind:
                    self.stdout.write(f"template on {alias}: behind")
            if not result.current:
                raise CommandError("Not current: run `manage.py tenants migrate`.", returncode=1)
            return
        # With --json, stdout carries only the JSON: progress goes to stderr.
        reporter = reporter_for(self.stderr if json else self.stdout, verbosity=verbosity)
        try:
            summary = fleet_services.fleet_migrate(parallel=parallel, canary=canary, tenants=tenants,
                                                   progress=reporter, verify=verify)
        finally:
            reporter.close()
        if json:
            self.stdout.write(self._json(summary.as_dict()))
        if not summary.ok:
            names = ", ".join(outcome.target.name for outcome in summary.failures[:20])
            raise CommandError(f"{len(summary.failures)} schema(s) failed ({names}); the others are "
                               "migrated. Fix the cause and run `tenants migrate` again.")

    def handle_doctor(self, *, dry_run=False, json=False, **_):
        findings = doctor.tenants_doctor(dry_run=dry_run)
        if json:
            self.stdout.write(self._json([finding.as_dict() for finding in findings]))
        elif not findings:
            self.stdout.write("Nothing to repair.")
        for finding in [] if json else findings:
            what = finding.slug or finding.schema_name
            self.stdout.write(f"{finding.problem}: {what} on {finding.database_alias}: {finding.action}")
        if any(finding.problem == "unreachable" for finding in findings):
            raise CommandError("Some tenant databases could not be checked.")
        if dry_run and findings:
            raise CommandError(f"{len(findings)} problem(s) found; run without --dry-run to repair.")

    @staticmethod
    def _json(value) -> str:
        return json.dumps(value, indent=2)
