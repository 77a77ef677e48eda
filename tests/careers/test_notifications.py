"""New-application e-mails: to this organization's opted-in staff, after commit, never at a loss."""

import logging
import socket

import pytest
from django.core import mail

from careers.models import Application, NotificationPreference
from tests.careers.factories import JobFactory
from tests.factories import UserFactory
from tests.careers.test_apply import VALID

pytestmark = pytest.mark.django_db


def opted_in(**fields):
    user = UserFactory(**fields)
    NotificationPreference.objects.create(user=user, new_applications=True)
    return user


def test_only_opted_in_active_staff_of_this_organization_are_emailed(
    acme, globex, in_tenant, tenant_client, django_capture_on_commit_callbacks
):
    with in_tenant(acme):
        job = JobFactory(title="Anvil Tester")
        opted_in(username="ann", email="ann@acme.example")
        opted_in(username="bob", email="bob@acme.example", is_superuser=True)
        opted_in(username="gone", email="gone@acme.example", is_active=False)
        opted_in(username="candidate-user", email="visitor@acme.example", is_staff=False)
        opted_in(username="no-address", email="")
        NotificationPreference.objects.create(
            user=UserFactory(username="quiet", email="quiet@acme.example"), new_applications=False)
        UserFactory(username="never-asked", email="never@acme.example")
    with in_tenant(globex):
        opted_in(username="ann", email="ann@globex.example")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = tenant_client(acme).post(f"/jobs/{job.pk}/apply/", VALID)
        assert mail.outbox == []  # nothing leaves before the application is committed

    assert response.status_code == 302 and len(callbacks) == 2  # the staff's, the candidate's
    staff_mail = [message for message in mail.outbox if message.to != [VALID["email"]]]
    assert len(mail.outbox) == len(staff_mail) + 1  # and the candidate's confirmation
    assert sorted(message.to[0] for message in staff_mail) == ["ann@acme.example", "bob@acme.example"]
    assert all(len(message.to) == 1 and not message.cc and not message.bcc for message in mail.outbox)
    message = staff_mail[0]
    with in_tenant(acme):
        application = Application.objects.get()
    assert message.subject == "New application for Anvil Tester: Wile E. Coyote"
    assert "Wile E. Coyote applied for Anvil Tester at Acme Corporation." in message.body
    assert "https://cv.example.com/wile" in message.body
    assert f"http://acme.tenantry.test/admin/careers/application/{application.pk}/change/" in message.body


def test_a_failed_send_is_logged_and_the_application_is_kept(
    acme, in_tenant, tenant_client, django_capture_on_commit_callbacks, settings, caplog
):
    # A real SMTP connection to a port where nothing listens.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    with in_tenant(acme):
        job = JobFactory()
        opted_in(username="ann", email="ann@acme.example")

    client = tenant_client(acme)
    with caplog.at_level(logging.ERROR, logger="careers.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/jobs/{job.pk}/apply/", VALID)

    assert response.status_code == 302
    assert b"Thank you for applying" in client.get(response["Location"]).content
    with in_tenant(acme):
        application = Application.objects.get()
    assert application.email == VALID["email"]
    staff, confirmation = [r for r in caplog.records if r.name == "careers.notifications"]
    assert f"application-received e-mail for application {application.pk} was not sent" in staff.getMessage()
    assert f"application-confirmation e-mail for application {application.pk} was not sent" in confirmation.getMessage()
    for record in (staff, confirmation):
        assert record.exc_info and isinstance(record.exc_info[1], ConnectionRefusedError)


def test_the_candidate_gets_a_confirmation_in_the_organizations_name_after_commit(
    acme, in_tenant, tenant_client, django_capture_on_commit_callbacks
):
    with in_tenant(acme):
        job = JobFactory(title="Anvil Tester")
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_client(acme).post(f"/jobs/{job.pk}/apply/", VALID)
        assert mail.outbox == []  # nothing leaves before the application is committed

    assert response.status_code == 302
    (message,) = mail.outbox  # nobody opted in: only the candidate's
    assert message.to == ["wile@example.com"]
    assert message.from_email == "Acme Corporation <no-reply@tenantry.test>"
    assert message.subject == "Your application for Anvil Tester at Acme Corporation"
    assert message.body.startswith("Dear Wile E. Coyote,\n\nThank you for applying for Anvil Tester at "
                                   "Acme Corporation.")
    assert f"http://acme.tenantry.test/jobs/{job.pk}/" in message.body


def test_a_refused_application_sends_no_confirmation(acme, in_tenant, tenant_client,
                                                     django_capture_on_commit_callbacks):
    with in_tenant(acme):
        job = JobFactory()
    with django_capture_on_commit_callbacks(execute=True):
        tenant_client(acme).post(f"/jobs/{job.pk}/apply/", {**VALID, "cover_letter": "short"})
    assert mail.outbox == []
