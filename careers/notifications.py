"""E-mails to the organization's staff. A failure to send is logged and never loses data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from careers.models import Application
from careers.selectors import staff_notified_of_applications
from tenancy import context, tasks
from tenancy.hosts import tenant_url

logger = logging.getLogger(__name__)


def application_admin_url(*, application: Application) -> str:
    path = reverse("admin:careers_application_change", args=[application.pk],
                   urlconf=settings.TENANT_URLCONF)
    tenant = context.current_tenant()
    return (tenant_url(tenant) if tenant else "") + path


NOTIFY_TASK = "careers.notify"


def notify_on_commit(*, notification: str, application: Application, using: str) -> None:
    """Send ``notification``'s e-mails on the workers once the application is committed.

    The one way careers e-mails leave after an action: the task runs in this tenant's scope,
    retries a failed send, and logs the failure in the end; the application is kept either way.
    """
    if notification not in NOTIFICATIONS:
        raise ValueError(f"No careers notification {notification!r}.")
    tasks.send_on_commit(NOTIFY_TASK, using=using,
                         kwargs={"notification": notification, "application_id": application.pk})


def application_received_notify_on_commit(*, application: Application, using: str,
                                          confirm: bool = True) -> None:
    """The staff's new-application e-mails and, with ``confirm``, the candidate's confirmation."""
    notify_on_commit(notification="application_received", application=application, using=using)
    if confirm:
        notify_on_commit(notification="application_confirmation", application=application,
                         using=using)


def application_received_messages(*, application: Application) -> list[EmailMessage]:
    """One message to each opted-in staff member of this organization."""
    recipients = list(staff_notified_of_applications().values_list("email", flat=True))
    organization = getattr(context.current_tenant(), "name", "your organization")
    subject = f"New application for {application.job.title}: {application.name}"
    body = (
        f"{application.name} applied for {application.job.title} at {organization}.\n\n"
        f"E-mail: {application.email}\n"
        f"Phone: {application.phone or '-'}\n"
        f"CV: {application.cv_url}\n\n"
        f"Cover letter:\n{application.cover_letter}\n\n"
        f"Review it: {application_admin_url(application=application)}\n\n"
        "You receive this because you opted in to new-application e-mails.\n"
    )
    return [EmailMessage(subject=subject, body=body, to=[email]) for email in recipients]


def notification_send(*, notification: str, application: Application) -> int:
    """Build and send one notification's messages; raises what the mail server raised."""
    messages = NOTIFICATIONS[notification](application=application)
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def notification_failed(*, notification: str, application_id: int) -> None:
    """The last word on a send that failed every try (call from ``except``: logs the error)."""
    label = notification.replace("_", "-")
    logger.exception("%s e-mail for application %s was not sent", label, application_id)


def organization_from_email(organization: str) -> str:
    """The platform's sender address, shown under the organization's name."""
    return formataddr((organization, parseaddr(settings.DEFAULT_FROM_EMAIL)[1]))


def application_confirmation_messages(*, application: Application) -> list[EmailMessage]:
    """To the candidate, in the organization's name: their application arrived."""
    tenant = context.current_tenant()
    organization = getattr(tenant, "name", "") or "The hiring team"
    job_url = (tenant_url(tenant) if tenant else "") + reverse(
        "careers:job-detail", args=[application.job.pk], urlconf=settings.TENANT_URLCONF)
    return [EmailMessage(
        subject=f"Your application for {application.job.title} at {organization}",
        body=(
            f"Dear {application.name},\n\n"
            f"Thank you for applying for {application.job.title} at {organization}. "
            "We have received your application and will be in touch.\n\n"
            f"The job: {job_url}\n\n"
            f"{organization}\n\n"
            "You receive this e-mail because this address was given in an application; "
            "please do not reply to it.\n"
        ),
        from_email=organization_from_email(organization),
        to=[application.email],
    )]


# notification name -> its messages for one application (built in the tenant's scope)
NOTIFICATIONS = {
    "application_received": application_received_messages,
    "application_confirmation": application_confirmation_messages,
}


@dataclass(frozen=True)
class InterviewerNotices:
    sent: int
    without_interviewer: int
    failed: int


def interviewers_notify(*, applications) -> InterviewerNotices:
    """E-mail each application's interviewer about their candidate."""
    messages, without_interviewer = [], 0
    for application in applications.select_related("job", "interviewer"):
        interviewer = application.interviewer
        if interviewer is None or not interviewer.email:
            without_interviewer += 1
            continue
        messages.append(EmailMessage(
            subject=f"Interview: {application.name} for {application.job.title}",
            body=(
                f"Hello {interviewer.get_full_name() or interviewer.get_username()},\n\n"
                f"You are the interviewer for {application.name}, who applied for "
                f"{application.job.title} (status: {application.get_status_display()}).\n\n"
                f"E-mail: {application.email}\nPhone: {application.phone or '-'}\n"
                f"CV: {application.cv_url}\n\n"
                f"The application and its feedback form: "
                f"{application_admin_url(application=application)}\n"
            ),
            to=[interviewer.email],
        ))
    if not messages:
        return InterviewerNotices(sent=0, without_interviewer=without_interviewer, failed=0)
    try:
        sent = get_connection().send_messages(messages) or 0
    except Exception:
        logger.exception("interviewer e-mails for %d applications were not sent", len(messages))
        sent = 0
    return InterviewerNotices(sent=sent, without_interviewer=without_interviewer,
                              failed=len(messages) - sent)
