"""The public portal through HTTP on tenant hosts: only this organization's open jobs."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from careers.models import Job
from tests.careers.factories import JobFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'<h2><a href="/jobs/\d+/">([^<]+)</a></h2>', response.content.decode())


def test_list_is_paginated_newest_first_and_only_this_organizations_open_jobs(
    acme, globex, in_tenant, tenant_client, django_assert_max_num_queries
):
    now = timezone.now()
    with in_tenant(acme):
        for day in range(25):
            JobFactory(title=f"Acme role {day:02d}", published_at=now - timedelta(days=day))
        JobFactory(title="Acme draft", status=Job.Status.DRAFT)
        JobFactory(title="Acme closed", status=Job.Status.CLOSED)
    with in_tenant(globex):
        JobFactory(title="Globex role")

    client = tenant_client(acme)
    with django_assert_max_num_queries(6):  # host lookup, count, page, menus: not one per job
        first = client.get("/jobs/")
    second = client.get("/jobs/?page=2")

    assert titles(first) == [f"Acme role {day:02d}" for day in range(20)]
    assert titles(second) == [f"Acme role {day:02d}" for day in range(20, 25)]
    assert b"25 open positions" in first.content
    assert b"Page 1 of 2" in first.content and b'href="?page=2"' in first.content
    assert b"Acme Corporation" in first.content
    for page in (first, second):
        body = page.content.decode()
        assert "draft" not in body and "closed" not in body and "Globex" not in body
    assert client.get("/jobs/?page=3").status_code == 404


def test_filters_and_search_narrow_the_list_and_survive_pagination(acme, globex, in_tenant,
                                                                   tenant_client):
    with in_tenant(acme):
        JobFactory(title="Backend Engineer", department="Engineering", location="Berlin")
        JobFactory(title="Frontend Engineer", department="Engineering", location="London")
        JobFactory(title="Account Executive", department="Sales", location="Berlin")
        JobFactory(title="Senior Engineer (closed)", department="Engineering",
                   location="Berlin", status=Job.Status.CLOSED)
        for n in range(21):
            JobFactory(title=f"Support Agent {n}", department="Support", location="Lisbon")
    with in_tenant(globex):
        JobFactory(title="Backend Engineer at Globex", department="Engineering", location="Berlin")

    client = tenant_client(acme)
    assert titles(client.get("/jobs/", {"department": "Engineering"})) == [
        "Frontend Engineer", "Backend Engineer"]
    assert titles(client.get("/jobs/", {"location": "Berlin"})) == [
        "Account Executive", "Backend Engineer"]
    assert titles(client.get("/jobs/", {"department": "Engineering", "location": "Berlin"})) == [
        "Backend Engineer"]
    assert titles(client.get("/jobs/", {"q": "engineer"})) == ["Frontend Engineer", "Backend Engineer"]
    nothing = client.get("/jobs/", {"q": "astronaut"})
    assert titles(nothing) == [] and b"No open positions match these filters" in nothing.content

    support = client.get("/jobs/", {"department": "Support"})
    assert len(titles(support)) == 20
    assert b'href="?department=Support&amp;page=2"' in support.content
    assert len(titles(client.get("/jobs/", {"department": "Support", "page": 2}))) == 1

    # The filter menus offer only this organization's open jobs' values.
    body = client.get("/jobs/").content.decode()
    assert re.findall(r'<option value="([^"]+)"', body) == [
        "Engineering", "Sales", "Support", "Berlin", "Lisbon", "London"]


def test_job_page_shows_an_open_job_and_404s_otherwise(acme, globex, in_tenant, tenant_client):
    with in_tenant(globex):
        globex_jobs = [JobFactory(title=f"Globex job {n}") for n in range(5)]
    with in_tenant(acme):
        open_job = JobFactory(title="Roadrunner Catcher", description="Line one.\n\nLine <b>two</b>.")
        draft = JobFactory(status=Job.Status.DRAFT)
        closed = JobFactory(status=Job.Status.CLOSED)
    client = tenant_client(acme)

    page = client.get(f"/jobs/{open_job.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Roadrunner Catcher" in body and "Line &lt;b&gt;two&lt;/b&gt;" in body
    assert f'href="/jobs/{open_job.pk}/apply/"' in body

    # Ids are per schema: Globex's last job has an id that Acme does not have.
    assert globex_jobs[-1].pk > closed.pk
    for pk in (draft.pk, closed.pk, globex_jobs[-1].pk):
        assert client.get(f"/jobs/{pk}/").status_code == 404
        assert client.get(f"/jobs/{pk}/apply/").status_code == 404


def test_pages_share_one_responsive_base_template(acme, in_tenant, tenant_client):
    with in_tenant(acme):
        job = JobFactory()
    client = tenant_client(acme)
    for path in ("/jobs/", f"/jobs/{job.pk}/", f"/jobs/{job.pk}/apply/"):
        body = client.get(path).content.decode()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
        assert '<a class="brand" href="/jobs/">Acme Corporation</a>' in body
        assert "<script" not in body  # no front-end build, no JavaScript needed
