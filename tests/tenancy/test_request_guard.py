"""No input produces a 5xx: NUL anywhere in a request, and out-of-range admin date filters."""

import pytest
from django.conf import settings
from django.test import Client

from tests.careers.factories import JobFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])


@pytest.fixture
def acme(make_tenant, in_tenant):
    tenant = make_tenant("acme")
    with in_tenant(tenant):
        JobFactory(title="Rocket engineer")
    return tenant


@pytest.fixture
def acme_staff(acme, in_tenant, tenant_client):
    client = tenant_client(acme)
    with in_tenant(acme):
        client.force_login(UserFactory(username="wile", is_superuser=True))
    return client


@pytest.mark.parametrize("query", ["q=%00", "department=%00", "location=%00", "q=a%00b",
                                   "%00=1", "page=%00"])
def test_portal_answers_400_to_nul_in_the_query(acme, tenant_client, query):
    assert tenant_client(acme).get(f"/jobs/?{query}").status_code == 400


def test_portal_answers_400_to_nul_in_a_form_field_path_or_cookie(acme, in_tenant, tenant_client):
    with in_tenant(acme):
        job = JobFactory()
    client = tenant_client(acme)
    assert client.post(f"/jobs/{job.pk}/apply/", {"name": "N\x00ul", "email": "a@b.example"}
                       ).status_code == 400
    assert client.get("/jobs/%00/").status_code == 400
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijklmnop"
    assert client.get("/jobs/").status_code == 400


def test_nul_is_refused_however_it_is_written_in_the_raw_query_or_cookie(acme, tenant_client):
    client = tenant_client(acme)
    # A raw NUL in the query string, and %00 in a key or between other escapes.
    assert client.get("/jobs/", QUERY_STRING="q=a\x00b").status_code == 400
    assert client.get("/jobs/", QUERY_STRING="%41%00%42=1").status_code == 400
    # A quoted cookie value's octal escape: the header holds no NUL byte, the value does.
    assert client.get("/jobs/", HTTP_COOKIE='csrftoken="ab\\000cd"').status_code == 400
    # An escaped backslash before 000, and %2500 (which decodes to the text %00): no NUL.
    assert client.get("/jobs/", HTTP_COOKIE='csrftoken="ab\\\\000cd"').status_code == 200
    assert client.get("/jobs/", QUERY_STRING="q=%2500").status_code == 200


def test_ordinary_input_still_passes(acme, tenant_client):
    response = tenant_client(acme).get("/jobs/?q=rocket&department=&location=")
    assert response.status_code == 200 and b"Rocket engineer" in response.content


@pytest.mark.parametrize("url", [
    "/admin/careers/job/?status__exact=%00",
    "/admin/autocomplete/?term=%00&app_label=careers&model_name=interviewfeedback"
    "&field_name=application",
    "/admin/careers/job/%00/change/",
])
def test_tenant_admin_answers_400_to_nul(acme_staff, url):
    assert acme_staff.get(url).status_code == 400


@pytest.mark.parametrize("query", [
    "published_at__year=99999999999",
    "published_at__year=9999",
    "published_at__year=9999&published_at__month=12",
    "published_at__year=2026&published_at__month=99999999999999999999",
    "published_at__year=2026&published_at__month=2&published_at__day=99999999999999999999",
    "published_at__year=-1",
])
def test_tenant_admin_date_filters_out_of_range_are_refused_not_500(acme_staff, query):
    response = acme_staff.get(f"/admin/careers/job/?{query}")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.parametrize("url", [
    "/admin/careers/application/?submitted_at__year=99999999999",
    "/admin/axes/accessattempt/?attempt_time__year=99999999999",  # a third party's ModelAdmin
    "/admin/axes/accessfailurelog/?attempt_time__year=9999&attempt_time__month=12",
])
def test_every_admin_change_list_refuses_overflowing_dates(acme_staff, url):
    response = acme_staff.get(url)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_application_date_filter_and_platform_admin_refuse_overflow(acme_staff, db):
    assert acme_staff.get("/admin/careers/application/?submitted_at__year=99999999999"
                          ).status_code == 302
    platform = Client(HTTP_HOST=settings.BASE_DOMAIN)
    platform.force_login(UserFactory(username="root-admin", is_superuser=True))
    assert platform.get("/admin/tenants/tenant/?status__exact=%00").status_code == 400
    assert platform.get("/?q=%00").status_code == 400


def test_an_empty_to_field_on_a_change_page_is_the_primary_key_not_a_500(acme_staff, in_tenant,
                                                                        acme, db):
    from django.contrib.auth.models import Group

    with in_tenant(acme):
        group = Group.objects.get(name="recruiter")
    assert acme_staff.get(f"/admin/auth/group/{group.pk}/change/?_to_field=").status_code == 200
    assert acme_staff.get(f"/admin/auth/group/{group.pk}/change/?_to_field=nope").status_code == 400
