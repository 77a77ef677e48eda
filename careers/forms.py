from django import forms
from django.core.validators import RegexValidator

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{4,38}$",
    "Enter a phone number with digits, spaces and + ( ) - . / only, e.g. +44 20 7946 0000.",
)


class ApplicationForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=200)
    email = forms.EmailField(label="E-mail")
    phone = forms.CharField(label="Phone (optional)", max_length=40, required=False,
                            validators=[phone_validator])
    cover_letter = forms.CharField(label="Cover letter", widget=forms.Textarea(attrs={"rows": 8}),
                                   min_length=20, max_length=10_000)
    cv_url = forms.URLField(label="Link to your CV", max_length=500, assume_scheme="https",
                            help_text="A link we can open: your website, LinkedIn, a shared document.")

    def clean_cv_url(self):
        url = self.cleaned_data["cv_url"]
        if not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Enter a web link starting with http:// or https://.")
        return url

