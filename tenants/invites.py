"""The first staff admin of a tenant: a user in the tenant's schema and a one-time link.

The link is Django's password-reset token: it expires after PASSWORD_RESET_TIMEOUT and stops
working once the password is set (the token hashes the password and the last sign-in).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tenancy.hosts import tenant_url
from tenants.models import Tenant


def staff_admin_invite(*, tenant: Tenant, email: str) -> str:
    """Create the staff admin (call in the tenant's scope) and return the set-password link."""
    users = get_user_model().objects
    # A resumed create finds the admin its killed run committed: a new link for the same user.
    user = users.filter(username=email).first() or users.create_user(
        username=email, email=email, is_staff=True, is_superuser=True
    )
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
