"""Provisioning and operating tenants. The CLI, the console and the admin all call these."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.services import Actions, audit_record
from tenancy import context, tasks
from tenants import invites, schemas
from tenancy.hosts import hosts_changed, tenant_host
from tenants.models import Domain, Tenant
from tenants.placement import check_tenant_database_alias, placement_default
from tenancy.schema_names import schema_name_for
from tenancy.storage import tenant_files_delete
from tenants.tasks import INVITE_TASK
from tenants.validators import (validate_admin_email, validate_custom_domain, validate_slug,
                                validate_tenant_name)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Provisioned:
    tenant: Tenant
    invite_link: str | None
    invite_error: str | None = None  # the tenant is live; only the e-mail did not go out


def tenant_create(
    *,
    slug: str,
    name: str,
    plan: str = Tenant.Plan.FREE,
    database_alias: str | None = None,
    admin_email: str | None = None,
) -> Provisioned:
    """Create a live tenant: row, domain, schema with every migration, first staff admin.

    On the primary database all of it is one transaction. On a dedicated database it takes
    three commits: the row (status ``provisioning``) and domain, then the schema on the
    dedicated database, then the row turns ``active``; a failure undoes what was written, and
    a run killed between commits is continued by running the same create again (or undone by
    ``tenants doctor``). Its host answers 503 until the tenant is active.
    """
    database_alias = database_alias or placement_default()
    if admin_email:
        validate_admin_email(admin_email)
    validate_slug(slug)
    tenant = _tenant_half_provisioned(slug=slug, database_alias=database_alias)
    resumed = tenant is not None
    if not resumed:
        _validate_new_tenant(slug=slug, name=name, plan=plan, database_alias=database_alias)

    primary = settings.TENANT_DB_ALIAS
    two_databases = database_alias != primary
    invite_link = None
    row_committed = False  # ours to undo on failure: the provisioning row and what followed it
    try:
        if not resumed:
            if schemas.schema_exists(schema_name=schema_name_for(slug), alias=database_alias):
                raise ValidationError(
                    f"Schema {schema_name_for(slug)} already exists on {database_alias} without a "
                    "tenant: run `tenants doctor` to remove it first.", code="orphan")
            with context.activated(context.public_scope()), transaction.atomic(using=primary):
                tenant = Tenant.objects.create(
                    slug=slug,
                    name=name.strip(),
                    plan=plan,
                    database_alias=database_alias,
                    schema_name=schema_name_for(slug),
                    status=Tenant.Status.PROVISIONING if two_databases else Tenant.Status.ACTIVE,
                )
                Domain.objects.create(domain=tenant_host(slug), tenant=tenant, is_primary=True)
                if not two_databases:  # one database: row and schema in one transaction
                    invite_link = _schema_provision(tenant=tenant, admin_email=admin_email)
            row_committed = two_databases
        if two_databases or resumed:
            invite_link = _provisioning_finish(tenant=tenant, admin_email=admin_email, resumed=resumed)
    except Exception as error:
        if row_committed:
            _provisioning_undo(tenant=tenant)
        taken = isinstance(error, (IntegrityError, ValidationError))  # unique index or schema check
        if not resumed and taken and Tenant.objects.filter(slug=slug).exists():
            # Another request took the slug between validation and insert.
            raise ValidationError(f"Slug {slug!r} is already taken.", code="taken") from None
        raise

    invite_outcome = []
    if admin_email:  # on the workers, once the tenant is committed, in the tenant's scope
        with context.activated(context.scope_for_tenant(tenant)):
            tasks.send_on_commit(INVITE_TASK, using=primary, on_sent=invite_outcome.append,
                                 kwargs={"email": admin_email, "link": invite_link})
    hosts_changed()
    logger.info("tenant %s %s on %s", slug, "provisioning resumed" if resumed else "created", database_alias)
    _platform_event(Actions.TENANT_CREATED, f"{slug} on {database_alias}", about=slug)
    return Provisioned(tenant=tenant, invite_link=invite_link,
                       invite_error=_invite_error(invite_outcome))


def _invite_error(outcome: list) -> str | None:
    """What to tell the platform admin now (a worker's later failure is in its log)."""
    if not outcome:
        return None  # sent when the caller's own transaction commits
    sent = outcome[0]
    if not sent:
        return ("the task broker is unreachable; the e-mail is kept and goes out by itself "
                "once the broker is back")
    return sent.error  # eager mode: the send ran here and failed


def _tenant_half_provisioned(*, slug: str, database_alias: str) -> Tenant | None:
    """The row a killed create of the same tenant left behind, which this create continues."""
    tenant = Tenant.objects.filter(slug=slug, status=Tenant.Status.PROVISIONING).first()
    if tenant is not None and tenant.database_alias != database_alias:
        raise ValidationError(
            f"Tenant {slug!r} is half provisioned on {tenant.database_alias}: create it there "
            "again to finish, or run `tenants doctor` to undo it.", code="half_provisioned")
    return tenant


def _schema_provision(*, tenant: Tenant, admin_email: str | None, resumed: bool = False) -> str | None:
    """The schema and the first staff admin, in one transaction on its alias. A resumed create
    keeps the schema its killed run committed; a new one never adopts a schema it finds."""
    invite_link = None
    with transaction.atomic(using=tenant.database_alias):
        if resumed:
            schemas.schema_ensure(tenant=tenant)
        else:
            schemas.schema_create(tenant=tenant)
        if admin_email:
            with context.activated(context.scope_for_tenant(tenant)):
                invite_link = invites.staff_admin_invite(tenant=tenant, email=admin_email)
    return invite_link


def _provisioning_finish(*, tenant: Tenant, admin_email: str | None, resumed: bool) -> str | None:
    """Second and third commits: the schema on its database, then the row turns active.

    The row stays locked meanwhile, so ``tenants doctor`` leaves a create in progress alone.
    """
    with context.activated(context.public_scope()), transaction.atomic(using=settings.TENANT_DB_ALIAS):
        locked = (Tenant.objects.select_for_update()
                  .filter(pk=tenant.pk, status=Tenant.Status.PROVISIONING).exists())
        if not locked:
            raise ValidationError(f"Tenant {tenant.slug!r} is no longer being provisioned "
                                  "(undone by `tenants doctor`?).", code="gone")
        invite_link = _schema_provision(tenant=tenant, admin_email=admin_email, resumed=resumed)
        Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.ACTIVE)
        tenant.status = Tenant.Status.ACTIVE
    return invite_link


def _provisioning_undo(*, tenant: Tenant) -> None:
    """A create that failed (not killed) takes back what it committed; doctor does it otherwise."""
    try:
        with transaction.atomic(using=tenant.database_alias):
            schemas.schema_drop(tenant=tenant)
        with context.activated(context.public_scope()):
            Tenant.objects.filter(pk=tenant.pk, status=Tenant.Status.PROVISIONING).delete()
        hosts_changed()
    except Exception:
        logger.exception("could not undo the failed create of %s: run `tenants doctor`", tenant.slug)


def tenant_slug_validate(*, slug: str) -> None:
    """Raise the message a platform admin sees if ``slug`` cannot be a new tenant's."""
    validate_slug(slug)
    if Tenant.objects.filter(slug=slug).exists():
        raise ValidationError(f"Slug {slug!r} is already taken.", code="taken")


def _validate_new_tenant(*, slug: str, name: str, plan: str, database_alias: str) -> None:
    tenant_slug_validate(slug=slug)
    validate_tenant_name(name)
    if plan not in Tenant.Plan.values:
        raise ValidationError(
            f"Plan {plan!r} is not one of {', '.join(Tenant.Plan.values)}.", code="plan"
        )
    check_tenant_database_alias(database_alias)


def tenant_suspend(*, tenant: Tenant) -> Tenant:
    return _set_status(tenant, Tenant.Status.SUSPENDED)


def tenant_resume(*, tenant: Tenant) -> Tenant:
    return _set_status(tenant, Tenant.Status.ACTIVE)


def _set_status(tenant: Tenant, status: str) -> Tenant:
    Tenant.objects.filter(pk=tenant.pk).update(status=status)
    tenant.status = status
    hosts_changed()
    logger.info("tenant %s is now %s", tenant.slug, status)
    suspended = status == Tenant.Status.SUSPENDED
    _platform_event(Actions.TENANT_SUSPENDED if suspended else Actions.TENANT_RESUMED, tenant.slug,
                    about=tenant.slug)
    return tenant


def tenant_delete(*, tenant: Tenant) -> None:
    """Drop the tenant's schema (all its data), its rows and its files.

    First the row turns ``deleting`` (its host answers 404 in every worker within the host
    cache's interval), then the schema is dropped on its database, then the row goes. A run
    killed between those commits is continued by deleting again, or by ``tenants doctor``.
    """
    primary = settings.TENANT_DB_ALIAS
    with context.activated(context.public_scope()):
        if tenant.status != Tenant.Status.DELETING:
            Tenant.objects.filter(pk=tenant.pk).update(status=Tenant.Status.DELETING)
            tenant.status = Tenant.Status.DELETING
            hosts_changed()
            # Let every worker stop routing requests to the schema before it goes.
            time.sleep(settings.TENANT_HOSTS_CHECK_INTERVAL)
        with transaction.atomic(using=primary):
            # Locked until the row is gone: tenants doctor leaves a delete in progress alone.
            Tenant.objects.select_for_update().filter(pk=tenant.pk).exists()
            with transaction.atomic(using=tenant.database_alias):
                schemas.schema_drop(tenant=tenant)
            Tenant.objects.filter(pk=tenant.pk).delete()
    hosts_changed()
    logger.info("tenant %s deleted", tenant.slug)
    _platform_event(Actions.TENANT_DELETED, tenant.slug, about=tenant.slug)
    tenant_files_delete(schema_name=tenant.schema_name)  # last: a storage error still fails loud


def domain_attach(*, tenant: Tenant, domain: str) -> Domain:
    domain = domain.strip().lower().rstrip(".")
    validate_custom_domain(domain, base_domain=settings.BASE_DOMAIN)
    if Domain.objects.filter(domain=domain).exists():
        raise ValidationError(f"Domain {domain!r} is already in use.", code="taken")
    attached = Domain.objects.create(domain=domain, tenant=tenant, is_primary=False)
    hosts_changed()
    _platform_event(Actions.DOMAIN_ADDED, f"{domain} for {tenant.slug}", about=tenant.slug)
    return attached


def _tenant_domain(*, tenant: Tenant, domain: str) -> Domain:
    try:
        return Domain.objects.get(tenant=tenant, domain=domain.strip().lower().rstrip("."))
    except Domain.DoesNotExist:
        raise ValidationError(f"{domain!r} is not a domain of {tenant.slug}.", code="unknown") from None


def domain_detach(*, tenant: Tenant, domain: str) -> None:
    """Stop serving the tenant on a custom domain. Its own ``<slug>.<BASE_DOMAIN>`` and the
    primary domain stay: every link the platform writes points at them."""
    found = _tenant_domain(tenant=tenant, domain=domain)
    if found.domain == tenant_host(tenant.slug):
        raise ValidationError(f"{found.domain} is the organization's own address on the platform; "
                              "it cannot be removed.", code="own_domain")
    if found.is_primary:
        raise ValidationError(f"{found.domain} is the primary domain: make another domain primary "
                              "first.", code="primary")
    found.delete()
    hosts_changed()
    _platform_event(Actions.DOMAIN_REMOVED, f"{found.domain} from {tenant.slug}", about=tenant.slug)


def domain_make_primary(*, tenant: Tenant, domain: str) -> Domain:
    """Make one of the tenant's domains its primary one (exactly one is primary)."""
    found = _tenant_domain(tenant=tenant, domain=domain)
    if found.is_primary:
        return found
    with transaction.atomic(using=settings.TENANT_DB_ALIAS):
        Domain.objects.filter(tenant=tenant, is_primary=True).update(is_primary=False)
        Domain.objects.filter(pk=found.pk).update(is_primary=True)
    found.is_primary = True
    hosts_changed()
    _platform_event(Actions.DOMAIN_MADE_PRIMARY, f"{found.domain} for {tenant.slug}", about=tenant.slug)
    return found


def _platform_event(action: str, object_repr: str, *, about: str = "") -> None:
    """Platform actions go to the platform's trail, whichever scope the caller is in; ``about``
    (the tenant's slug) lets the console find them under that organization as well."""
    with context.activated(context.public_scope()):
        audit_record(action=action, object_repr=object_repr, subject_slug=about)


def tenant_register(*, slug: str, name: str, plan: str, database_alias: str,
                    custom_domains: list[str] = (), status: str = Tenant.Status.ACTIVE) -> Tenant:
    """The registry rows for a schema that already exists on ``database_alias`` (an import).

    Custom domains that another tenant already uses are left out, so an import under a new
    slug beside its original does not steal the original's hosts.
    """
    _validate_new_tenant(slug=slug, name=name, plan=plan, database_alias=database_alias)
    with context.activated(context.public_scope()), transaction.atomic(using=settings.TENANT_DB_ALIAS):
        tenant = Tenant.objects.create(slug=slug, name=name.strip(), plan=plan, status=status,
                                       database_alias=database_alias, schema_name=schema_name_for(slug))
        Domain.objects.create(domain=tenant_host(slug), tenant=tenant, is_primary=True)
        taken = set(Domain.objects.filter(domain__in=custom_domains).values_list("domain", flat=True))
        Domain.objects.bulk_create([Domain(domain=domain, tenant=tenant, is_primary=False)
                                    for domain in custom_domains if domain not in taken])
    hosts_changed()
    return tenant


def tenant_update_placement(*, tenant: Tenant, **fields) -> Tenant:
    """Change where or how a tenant is served (status, alias, archive); every worker hears of it."""
    with context.activated(context.public_scope()):
        Tenant.objects.filter(pk=tenant.pk).update(**fields)
    for name, value in fields.items():
        setattr(tenant, name, value)
    hosts_changed()
    return tenant
