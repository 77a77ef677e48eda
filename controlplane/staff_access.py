"""An organization's staff set and reset their passwords on its own host, in its own name.

Django's password-reset views and tokens underneath (a link works once and expires after
PASSWORD_RESET_TIMEOUT); the users are the current tenant's, read in its schema.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.cache import cache
from django.urls import reverse_lazy

from audit.services import Actions, audit_record
from careers.notifications import organization_from_email
from tenancy.hosts import tenant_url


# At most one password e-mail per address in this interval, so the form cannot flood an inbox.
RESET_EMAIL_INTERVAL_SECONDS = 60


def _timeout_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


class StaffSetPasswordForm(SetPasswordForm):
    """The password's own mistakes under the password, a mismatch under the confirmation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password2"].label = "Type it again"

    def clean(self):
        self.validate_password_for_user(self.user, "new_password1")
        if "new_password1" in self.cleaned_data:
            self.validate_passwords("new_password1", "new_password2")
        return super(SetPasswordForm, self).clean()


class StaffPasswordResetForm(PasswordResetForm):
    def get_users(self, email):
        # Invited staff have no usable password until they set one: they may ask for a link too
        # (Django skips them, for accounts that sign in elsewhere; here there are none).
        users = get_user_model()._default_manager.filter(email__iexact=email.strip(), is_active=True)
        # Cache keys carry the tenant's prefix: the interval is per organization and address.
        if not cache.add(f"staff-password-reset:{email.strip().lower()}", 1, RESET_EMAIL_INTERVAL_SECONDS):
            return users.none()  # asked a moment ago: the same answer, no second e-mail
        return users


class ForgotPasswordView(auth_views.PasswordResetView):
    """Always the same answer, whether or not the address is a staff member's."""

    form_class = StaffPasswordResetForm
    template_name = "staff/forgot_password.html"
    subject_template_name = "staff/password_reset_subject.txt"
    email_template_name = "staff/password_reset_email.txt"
    success_url = reverse_lazy("staff-password-reset-sent")
    title = "Forgot your password?"

    def get_context_data(self, **kwargs):
        return super().get_context_data(timeout_days=_timeout_days(), **kwargs)

    def form_valid(self, form):
        tenant = self.request.tenant
        self.from_email = organization_from_email(tenant.name)
        self.extra_email_context = {"organization": tenant.name, "site_url": tenant_url(tenant)}
        return super().form_valid(form)


class ForgotPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "staff/forgot_password_sent.html"
    title = "Check your e-mail"


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """The invite's "Set your password" page; with ``reset=True``, the forgotten-password one.

    Names the organization and the user name, states the password rules before any mistake,
    signs the user in once the password is set and lands them in the admin.
    """

    template_name = "staff/set_password.html"
    form_class = StaffSetPasswordForm
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"  # axes only refuses
    success_url = reverse_lazy("admin:index")
    reset = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        valid = context.get("validlink")
        if self.reset:
            title, intro, submit = "Choose a new password", "Choose a new password", "Save my new password"
        else:
            title, intro, submit = "Set your password", "Set the password of your staff account", "Set my password"
        context.update(
            title=title if valid else "This link no longer works",
            intro=intro, submit_label=submit, timeout_days=_timeout_days(),
            username=self.user.get_username() if valid else "",
            password_rules=password_validators_help_texts(),
        )
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        username = form.user.get_username()
        audit_record(action=Actions.PASSWORD_SET, object_repr=username, request=self.request,
                     actor=username)
        messages.success(self.request, f"Your password is set. You are signed in to "
                                       f"{self.request.tenant.name}'s staff admin as {username}.")
        return response
