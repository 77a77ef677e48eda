"""The first staff admin of a tenant: a user in the tenant's schema and a one-time link.

The link is Django's password-reset token: it expires after PASSWORD_RESET_TIMEOUT and stops
working once the password is set (the token hashes the password and the last sign-in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.services import Actions, audit_record
from tenancy import context
from tenancy.hosts import tenant_url
from tenants.models import Tenant


def staff_admin_invite(*, tenant: Tenant, email: str) -> str:
    """Create the staff admin (call in the tenant's scope) and return the set-password link."""
    users = get_user_model().objects
    # A resumed create finds the admin its killed run committed: a new link for the same user.
    user = users.filter(username=email).first() or users.create_user(
        username=email, email=email, is_staff=True, is_superuser=True
    )
    return _set_password_link(tenant=tenant, user=user)


def _set_password_link(*, tenant: Tenant, user) -> str:
    path = reverse(
        "invite-accept",
        urlconf=settings.TENANT_URLCONF,
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return tenant_url(tenant) + path


def invite_email_send(*, tenant: Tenant, email: str, link: str) -> None:
    send_mail(
        subject=f"You are invited to administer {tenant.name} on Tenantry",
        message=(
            f"Hello,\n\nYou are the first staff admin of {tenant.name}.\n"
            f"Set your password here (the link works once and expires):\n\n{link}\n\n"
            f"Then sign in at {tenant_url(tenant)}/admin/ with the user name {email}.\n"
        ),
        from_email=None,
        recipient_list=[email],
    )


@dataclass(frozen=True)
class PendingInvite:
    email: str
    username: str
    invited_at: datetime


def _pending_first_admin():
    """The tenant's first staff admin (call in its scope) while they have not set a password.

    Invited admins get no password (an unusable one) until they use the link, and never signed in.
    """
    first = (get_user_model().objects.filter(is_staff=True, is_superuser=True)
             .order_by("date_joined", "pk").first())
    if (first is None or not first.is_active or first.last_login is not None
            or not first.password.startswith(UNUSABLE_PASSWORD_PREFIX)):
        return None
    return first


def invite_pending(*, tenant: Tenant) -> PendingInvite | None:
    """The tenant's first staff admin if they have not set a password yet, else None."""
    with context.activated(context.scope_for_tenant(tenant)):
        user = _pending_first_admin()
        if user is None:
            return None
        return PendingInvite(email=user.email, username=user.get_username(),
                             invited_at=user.date_joined)


def _pending_link(*, tenant: Tenant) -> tuple[PendingInvite, str]:
    with context.activated(context.scope_for_tenant(tenant)):
        user = _pending_first_admin()
        if user is None:
            raise ValidationError(f"{tenant.name} has no pending invite: its first staff admin "
                                  "already set a password.", code="no_pending_invite")
        pending = PendingInvite(email=user.email, username=user.get_username(),
                                invited_at=user.date_joined)
        return pending, _set_password_link(tenant=tenant, user=user)


def _audit(action: str, *, tenant: Tenant, email: str) -> None:
    with context.activated(context.public_scope()):  # a platform action about the tenant
        audit_record(action=action, object_repr=f"{email} for {tenant.slug}", subject_slug=tenant.slug)


def invite_resend(*, tenant: Tenant) -> PendingInvite:
    """E-mail the pending first staff admin a fresh set-password link (earlier links still work
    until one of them is used or they expire). Raises ValidationError if none is pending."""
    pending, link = _pending_link(tenant=tenant)
    invite_email_send(tenant=tenant, email=pending.email, link=link)
    _audit(Actions.INVITE_RESENT, tenant=tenant, email=pending.email)
    return pending


def invite_link_copy(*, tenant: Tenant) -> str:
    """A fresh set-password link for the pending first staff admin, for a platform admin to hand
    over another way. Audited: whoever holds the link can take the account."""
    pending, link = _pending_link(tenant=tenant)
    _audit(Actions.INVITE_LINK_COPIED, tenant=tenant, email=pending.email)
    return link
