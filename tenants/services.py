"""Provisioning and operating tenants. The CLI, the console and the admin all call these."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_domain_name
from django.db import IntegrityError, transaction

from audit.services import Actions, audit_record
from tenancy import context
from tenants import invites, placement, schemas, template_schema
from tenancy.hosts import hosts_changed, tenant_host
from tenants.models import Domain, Tenant
from tenants.placement import check_tenant_database_alias
from tenancy.schema_names import schema_name_for
from tenants.validators import validate_slug

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

    All of it or nothing: the row and the schema are written in transactions that roll back
    together, so a failure at any step leaves neither a schema nor a row behind.
    """
    database_alias = database_alias or settings.TENANT_DB_ALIAS
    _validate_new_tenant(slug=slug, name=name, plan=plan, database_alias=database_alias)
    if admin_email:
        EmailValidator(message=f"{admin_email!r} is not a valid e-mail address.")(admin_email)

    primary = settings.TENANT_DB_ALIAS
    invite_link = None
    dedicated_schema_committed = False
    try:
        with context.activated(context.public_scope()), transaction.atomic(using=primary):
            tenant = Tenant.objects.create(
                slug=slug,
                name=name.strip(),
                plan=plan,
                database_alias=database_alias,
                schema_name=schema_name_for(slug),
            )
            Domain.objects.create(domain=tenant_host(slug), tenant=tenant, is_primary=True)
            with transaction.atomic(using=database_alias):
                schemas.schema_create(tenant=tenant)
                if admin_email:
                    with context.activated(context.scope_for_tenant(tenant)):
                        invite_link = invites.staff_admin_invite(tenant=tenant, email=admin_email)
            dedicated_schema_committed = database_alias != primary
    except Exception as error:
        if dedicated_schema_committed:  # the dedicated database committed, the primary did not
            schemas.schema_drop(tenant=tenant)
        taken = isinstance(error, (IntegrityError, ValidationError))  # unique index or schema check
        if taken and Tenant.objects.filter(slug=slug).exists():
            # Another request took the slug between validation and insert.
            raise ValidationError(f"Slug {slug!r} is already taken.", code="taken") from None
        raise

    invite_error = None
    if admin_email:
        try:
            invites.invite_email_send(tenant=tenant, email=admin_email, link=invite_link)
        except (smtplib.SMTPException, OSError) as error:
            logger.exception("invite e-mail for tenant %s to %s failed", slug, admin_email)
            invite_error = str(error)
    hosts_changed()
    logger.info("tenant %s created on %s", slug, database_alias)
    _platform_event(Actions.TENANT_CREATED, f"{slug} on {database_alias}")
    return Provisioned(tenant=tenant, invite_link=invite_link, invite_error=invite_error)


def tenant_slug_validate(*, slug: str) -> None:
    """Raise the message a platform admin sees if ``slug`` cannot be a new tenant's."""
    validate_slug(slug)
    if Tenant.objects.filter(slug=slug).exists():
        raise ValidationError(f"Slug {slug!r} is already taken.", code="taken")


def _validate_new_tenant(*, slug: str, name: str, plan: str, database_alias: str) -> None:
    tenant_slug_validate(slug=slug)
    if not name or not name.strip():
        raise ValidationError("A tenant needs a name.", code="name")
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
    _platform_event(Actions.TENANT_SUSPENDED if suspended else Actions.TENANT_RESUMED, tenant.slug)
    return tenant


def tenant_delete(*, tenant: Tenant) -> None:
    """Drop the tenant's schema (all its data) and its rows."""
    primary = settings.TENANT_DB_ALIAS
    with transaction.atomic(using=primary):
        Tenant.objects.filter(pk=tenant.pk).delete()
        with transaction.atomic(using=tenant.database_alias):
            schemas.schema_drop(tenant=tenant)
    placement.schema_placement_forget(schema_name=tenant.schema_name)
    hosts_changed()
    logger.info("tenant %s deleted", tenant.slug)
    _platform_event(Actions.TENANT_DELETED, tenant.slug)


def domain_attach(*, tenant: Tenant, domain: str) -> Domain:
    domain = domain.strip().lower().rstrip(".")
    try:
        validate_domain_name(domain)
    except ValidationError:
        raise ValidationError(f"{domain!r} is not a valid domain name.", code="invalid") from None
    if "." not in domain:
        raise ValidationError(f"{domain!r} is not a fully qualified domain name.", code="invalid")
    if domain == settings.BASE_DOMAIN:
        raise ValidationError(f"{domain!r} is the platform's own domain.", code="reserved")
    if Domain.objects.filter(domain=domain).exists():
        raise ValidationError(f"Domain {domain!r} is already in use.", code="taken")
    attached = Domain.objects.create(domain=domain, tenant=tenant, is_primary=False)
    hosts_changed()
    _platform_event(Actions.DOMAIN_ADDED, f"{domain} for {tenant.slug}")
    return attached


def _platform_event(action: str, object_repr: str) -> None:
    """Platform actions go to the platform's trail, whichever scope the caller is in."""
    with context.activated(context.public_scope()):
        audit_record(action=action, object_repr=object_repr)
