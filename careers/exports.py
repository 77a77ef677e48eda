"""Applications as CSV: UTF-8 with a byte order mark (so Excel reads non-ASCII names), RFC 4180
quoting, one header row."""

import csv
import io

from django.utils import timezone

from careers.forms import phone_validator
from careers.selectors import applications_for_export

HEADER = ["ID", "Job", "Name", "Email", "Phone", "Status", "Submitted at", "CV link", "CV file",
          "Interviewer", "Cover letter"]
BOM = "\ufeff"
# A spreadsheet runs a cell starting with these as a formula; candidates write these fields.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """The value as written, unless a spreadsheet would run it: then a leading apostrophe.

    A phone number (+44 20 7946 0000) has no letters, so it cannot call a function: kept as is.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) and not phone_validator.regex.fullmatch(text):
        return "'" + text
    return text


def applications_csv(*, applications) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)  # QUOTE_MINIMAL, \r\n line ends: what spreadsheets expect
    writer.writerow(HEADER)
    for application in applications_for_export(applications=applications):
        interviewer = application.interviewer
        writer.writerow([_cell(value) for value in (
            application.pk,
            application.job.title,
            application.name,
            application.email,
            application.phone,
            application.get_status_display(),
            timezone.localtime(application.submitted_at).isoformat(timespec="seconds"),
            application.cv_url,
            "yes" if application.cv_file else "no",
            interviewer.get_username() if interviewer else "",
            application.cover_letter,
        )])
    return out.getvalue()
