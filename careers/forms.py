from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat

from careers.uploads import ACCEPTED, cv_document_kind

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
    cv_file = forms.FileField(label="Your CV (file)", required=False,
                              widget=forms.FileInput(attrs={"accept": ".pdf,.docx,.odt"}))
    cv_url = forms.URLField(label="Link to your CV (optional with a file)", max_length=500,
                            assume_scheme="https", required=False,
                            help_text="A link we can open: your website, LinkedIn, a shared document.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cv_file"].help_text = (
            f"{ACCEPTED}, up to {filesizeformat(settings.CAREERS_CV_MAX_SIZE)}.")

    def clean_cv_file(self):
        upload = self.cleaned_data.get("cv_file")
        if not upload:
            return None
        kind = cv_document_kind(upload=upload)
        upload.name = f"cv.{kind.extension}"  # the stored name's extension comes from the content
        return upload

    def clean_cv_url(self):
        url = self.cleaned_data["cv_url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError("Enter a web link starting with http:// or https://.")
        return url

    def clean(self):
        cleaned = super().clean()
        given = cleaned.get("cv_file") or cleaned.get("cv_url")
        if not given and "cv_file" not in self.errors and "cv_url" not in self.errors:
            self.add_error("cv_file", ValidationError(
                "Upload your CV, or give a link to it below.", code="cv_missing"))
        return cleaned

