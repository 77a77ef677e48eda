"""Console forms: field checks only; the services decide, and their messages are shown as is."""

from django import forms
from django.core.exceptions import ValidationError

from tenants import services
from tenants.models import Tenant
from tenants.placement import tenant_database_aliases
from tenants.validators import NAME_MAX_LENGTH, validate_tenant_name

# Which form field a service's ValidationError (by code) belongs to; others are form-wide.
FIELD_FOR_CODE = {
    "length": "slug", "characters": "slug", "hyphen": "slug", "reserved": "slug", "taken": "slug",
    "name": "name", "plan": "plan", "unknown_alias": "database_alias",
    "name_characters": "name", "name_length": "name", "email": "admin_email",
}


def alias_choices() -> list[tuple[str, str]]:
    return [(alias, alias) for alias in tenant_database_aliases()]


class TenantCreateForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX_LENGTH, validators=[validate_tenant_name],
                           help_text="The organization's name, as its staff and candidates see it.")
    slug = forms.CharField(
        max_length=40,
        help_text="Its subdomain: lowercase letters, digits and hyphens.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    plan = forms.ChoiceField(choices=Tenant.Plan.choices, initial=Tenant.Plan.FREE)
    database_alias = forms.ChoiceField(
        label="Database", help_text="Where its schema lives: the primary, or a dedicated database."
    )
    admin_email = forms.EmailField(
        label="First staff admin's e-mail",
        help_text="Receives a one-time link to set a password on the organization's own site.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["database_alias"].choices = alias_choices()  # read at request time

    def clean_slug(self):
        slug = self.cleaned_data["slug"].strip()
        services.tenant_slug_validate(slug=slug)
        return slug

    def add_service_error(self, error: ValidationError) -> None:
        self.add_error(FIELD_FOR_CODE.get(error.code), error)


class TenantFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.SearchInput(
        attrs={"placeholder": "Name, slug or domain"}))
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *Tenant.Status.choices])
    alias = forms.ChoiceField(required=False, label="Database")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["alias"].choices = [("", "Any database"), *alias_choices()]


class DomainAttachForm(forms.Form):
    domain = forms.CharField(max_length=253, label="Custom domain", widget=forms.TextInput(
        attrs={"placeholder": "careers.example.com", "autocomplete": "off"}))


class TenantDeleteForm(forms.Form):
    confirm_slug = forms.CharField(label="Type the slug to confirm", widget=forms.TextInput(
        attrs={"autocomplete": "off", "spellcheck": "false"}))

    def __init__(self, *args, tenant: Tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def clean_confirm_slug(self):
        typed = self.cleaned_data["confirm_slug"].strip()
        if typed != self.tenant.slug:
            raise ValidationError(f"Type {self.tenant.slug} exactly to delete this tenant.")
        return typed
