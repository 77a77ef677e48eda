"""Applications as CSV: UTF-8, RFC 4180 quoting, one header row."""

import csv
import io

from django.utils import timezone

from careers.selectors import applications_for_export

HEADER = ["ID", "Job", "Name", "Email", "Phone", "Status", "Submitted at", "CV link", "CV file",
          "Interviewer"]
# A spreadsheet runs a cell starting with these as a formula; candidates write these fields.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def applications_csv(*, applications) -> str:
    out = io.StringIO()
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
        )])
    return out.getvalue()
