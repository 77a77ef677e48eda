"""Applying through the portal: validation, CSRF, duplicates, rate limit, confirmation."""

import pytest
from django.test import Client

from careers.models import Application, ApplicationStatusChange, Job
from tests.careers.factories import ApplicationFactory, JobFactory
from tests.conftest import host_of

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Wile E. Coyote",
    "email": "wile@example.com",
    "phone": "+1 505 555 0100",
    "cover_letter": "I have years of experience with rockets and anvils.",
    "cv_url": "https://cv.example.com/wile",
}


def count_applications(in_tenant, tenant) -> int:
    with in_tenant(tenant):
        return Application.objects.count()


def test_a_valid_application_is_saved_and_confirmed(acme, in_tenant, tenant_client):
    with in_tenant(acme):
        job = JobFactory(title="Anvil Tester")
    client = tenant_client(acme)
    form = client.get(f"/jobs/{job.pk}/apply/")
    assert form.status_code == 200 and b'name="csrfmiddlewaretoken"' in form.content

    response = client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": " Wile@Example.com "})

    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/apply/thanks/"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert b"Thank you for applying" in thanks.content and b"Anvil Tester" in thanks.content
    with in_tenant(acme):
        application = Application.objects.get()
        history = list(ApplicationStatusChange.objects.values_list("from_status", "to_status"))
    assert (application.job_id, application.name, application.email, application.phone,
            application.cv_url, application.status) == (
        job.pk, "Wile E. Coyote", "Wile@Example.com", "+1 505 555 0100",
        "https://cv.example.com/wile", "new")
    assert history == [("", "new")]
    # The confirmation page is not for someone who did not apply.
    assert tenant_client(acme).get(f"/jobs/{job.pk}/apply/thanks/").status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("phone", "call me maybe", "Enter a phone number with digits"),
        ("cover_letter", "Hire me", "Ensure this value has at least 20 characters (it has 7)."),
        ("cv_url", "javascript:alert(1)", "Enter a valid URL."),
        ("cv_url", "ftp://cv.example.com/me.pdf", "Enter a web link starting with http:// or https://."),
    ],
)
def test_each_bad_field_is_shown_back_and_nothing_is_saved(acme, in_tenant, tenant_client,
                                                          field, value, message):
    with in_tenant(acme):
        job = JobFactory()
    response = tenant_client(acme).post(f"/jobs/{job.pk}/apply/", {**VALID, field: value})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in errors[field][0]
    body = response.content.decode()
    assert message.replace("'", "&#x27;").split(" (")[0] in body
    assert 'value="Wile E. Coyote"' in body or field == "name"  # what was typed is kept
    assert count_applications(in_tenant, acme) == 0


def test_an_empty_form_lists_every_required_field(acme, in_tenant, tenant_client):
    with in_tenant(acme):
        job = JobFactory()
    response = tenant_client(acme).post(f"/jobs/{job.pk}/apply/", {})
    assert sorted(response.context["form"].errors) == ["cover_letter", "cv_file", "email", "name"]
    assert response.content.decode().count("This field is required.") == 3
    assert "Upload your CV, or give a link to it below." in response.content.decode()
    assert count_applications(in_tenant, acme) == 0


def test_a_post_without_csrf_token_is_refused(acme, in_tenant):
    with in_tenant(acme):
        job = JobFactory()
    client = Client(HTTP_HOST=host_of(acme), enforce_csrf_checks=True)
    assert client.post(f"/jobs/{job.pk}/apply/", VALID).status_code == 403
    assert count_applications(in_tenant, acme) == 0

    # The same client with the form's token gets through: the 403 was about CSRF only.
    token = client.get(f"/jobs/{job.pk}/apply/").context["csrf_token"]
    response = client.post(f"/jobs/{job.pk}/apply/", {**VALID, "csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302 and count_applications(in_tenant, acme) == 1


def test_a_duplicate_application_is_refused_politely(acme, globex, in_tenant, tenant_client):
    with in_tenant(acme):
        job, other_job = JobFactory(), JobFactory()
        ApplicationFactory(job=job, email="wile@example.com")
    with in_tenant(globex):
        globex_job = JobFactory()

    response = tenant_client(acme).post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "WILE@example.com"})

    assert response.status_code == 200
    assert b"You have already applied for this job with this e-mail address." in response.content
    assert count_applications(in_tenant, acme) == 1
    # Another job, or another organization, is a new application.
    assert tenant_client(acme).post(f"/jobs/{other_job.pk}/apply/", VALID).status_code == 302
    assert tenant_client(globex).post(f"/jobs/{globex_job.pk}/apply/", VALID).status_code == 302
    assert count_applications(in_tenant, acme) == 2 and count_applications(in_tenant, globex) == 1


def test_the_database_refuses_a_duplicate_that_slips_past_the_check(acme, in_tenant):
    from django.db import IntegrityError, transaction

    with in_tenant(acme):
        job = JobFactory()
        ApplicationFactory(job=job, email="road@example.com")
        with pytest.raises(IntegrityError, match="careers_application_once_per_job"):
            with transaction.atomic():
                ApplicationFactory(job=job, email="Road@Example.com")
        assert Application.objects.count() == 1


def test_a_flood_from_one_ip_gets_429_other_ips_and_organizations_do_not(
    acme, globex, in_tenant, tenant_client, settings
):
    settings.CAREERS_APPLICATIONS_PER_IP = 3
    with in_tenant(acme):
        job = JobFactory()
    with in_tenant(globex):
        globex_job = JobFactory()
    client = tenant_client(acme)
    flood = {"REMOTE_ADDR": "203.0.113.7"}

    answers = [client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": f"c{n}@example.com"}, **flood)
               for n in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]

    refused = client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "c9@example.com"}, **flood)
    assert refused.status_code == 429
    assert b"Too many applications" in refused.content
    assert 0 < int(refused["Retry-After"]) <= settings.CAREERS_APPLICATIONS_WINDOW_SECONDS
    assert count_applications(in_tenant, acme) == 3

    other_ip = client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "c9@example.com"},
                           REMOTE_ADDR="198.51.100.1")
    assert other_ip.status_code == 302
    elsewhere = tenant_client(globex).post(f"/jobs/{globex_job.pk}/apply/", VALID, **flood)
    assert elsewhere.status_code == 302
    assert client.get(f"/jobs/{job.pk}/apply/", **flood).status_code == 200  # reading is never limited


def test_the_rate_limit_window_expires(acme, in_tenant, tenant_client, settings):
    import time

    settings.CAREERS_APPLICATIONS_PER_IP = 1
    settings.CAREERS_APPLICATIONS_WINDOW_SECONDS = 1
    with in_tenant(acme):
        job = JobFactory()
    client = tenant_client(acme)
    assert client.post(f"/jobs/{job.pk}/apply/", VALID).status_code == 302
    assert client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "b@example.com"}).status_code == 429
    time.sleep(1.2)
    assert client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "b@example.com"}).status_code == 302


def test_a_closed_job_takes_no_applications(acme, in_tenant, tenant_client):
    with in_tenant(acme):
        job = JobFactory(status=Job.Status.CLOSED)
    assert tenant_client(acme).post(f"/jobs/{job.pk}/apply/", VALID).status_code == 404
    assert count_applications(in_tenant, acme) == 0


def test_with_redis_unreachable_candidates_can_still_apply(acme, in_tenant, tenant_client, settings,
                                                           caplog):
    import socket

    with socket.socket() as probe:  # a port where no Redis listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    settings.CAREERS_APPLICATIONS_PER_IP = 1
    with in_tenant(acme):
        job = JobFactory()
    client = tenant_client(acme)
    for email in ("a@example.com", "b@example.com"):
        assert client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": email}).status_code == 302
    assert count_applications(in_tenant, acme) == 2
    assert "rate limit skipped for 127.0.0.1: cache unavailable" in caplog.text


def test_a_candidate_who_fumbles_the_form_is_not_locked_out(acme, in_tenant, tenant_client, settings):
    settings.CAREERS_APPLICATIONS_PER_IP = 2
    settings.CAREERS_APPLICATION_ATTEMPTS_PER_IP = 12
    with in_tenant(acme):
        job = JobFactory()
    client = tenant_client(acme)
    fumbles = [client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "not-an-address"}),
               client.post(f"/jobs/{job.pk}/apply/", {**VALID, "cover_letter": "too short"}),
               client.post(f"/jobs/{job.pk}/apply/", {**VALID, "cv_url": "ftp://x"})]
    assert [response.status_code for response in fumbles] == [200, 200, 200]  # the form, with errors
    assert client.post(f"/jobs/{job.pk}/apply/", VALID).status_code == 302  # accepted: 1 of 2
    duplicate = client.post(f"/jobs/{job.pk}/apply/", VALID)
    assert duplicate.status_code == 200  # refused as a duplicate, counts as an attempt only
    assert client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "b@example.com"}).status_code == 302
    assert client.post(f"/jobs/{job.pk}/apply/", {**VALID, "email": "c@example.com"}).status_code == 429
    assert count_applications(in_tenant, acme) == 2


def test_a_flood_of_invalid_posts_is_still_limited(acme, in_tenant, tenant_client, settings):
    settings.CAREERS_APPLICATION_ATTEMPTS_PER_IP = 4
    with in_tenant(acme):
        job = JobFactory()
    client = tenant_client(acme)
    statuses = [client.post(f"/jobs/{job.pk}/apply/", {"name": "x"}).status_code for _ in range(6)]
    assert statuses == [200] * 4 + [429] * 2
    assert client.post(f"/jobs/{job.pk}/apply/", VALID, REMOTE_ADDR="198.51.100.3").status_code == 302
