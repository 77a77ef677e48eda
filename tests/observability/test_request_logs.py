"""Request ids (from nginx's X-Request-ID, else made here) and one structured line per request."""

import json
import logging
import re

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from observability.logging import RequestContextFilter

pytestmark = pytest.mark.django_db


def json_line(record: logging.LogRecord) -> dict:
    config = dict(settings.LOGGING["formatters"]["json"])
    formatter = import_string(config.pop("()"))(fmt=config.pop("format"), **config)
    return json.loads(formatter.format(record))


def test_the_proxy_request_id_is_kept_and_returned(make_tenant, tenant_client, caplog):
    acme = make_tenant("acme")
    with caplog.at_level(logging.INFO, logger="tenantry.request"):
        response = tenant_client(acme).get("/jobs/", HTTP_X_REQUEST_ID="0123abcd0123abcd0123abcd0123abcd")
    assert response["X-Request-ID"] == "0123abcd0123abcd0123abcd0123abcd"
    record = next(r for r in caplog.records if r.name == "tenantry.request")
    RequestContextFilter().filter(record)
    line = json_line(record)
    assert {key: line[key] for key in ("tenant", "database_alias", "request_id", "view", "status", "level")} == {
        "tenant": "acme", "database_alias": "default", "request_id": "0123abcd0123abcd0123abcd0123abcd",
        "view": "careers:job-list", "status": 200, "level": "INFO"}
    assert line["duration_ms"] > 0 and line["user_id"] is None and line["db_queries"] >= 2


def test_a_request_id_is_made_when_none_or_a_bad_one_comes(platform_client, make_tenant, tenant_client):
    made = platform_client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert platform_client.get("/healthz")["X-Request-ID"] != made
    bad = platform_client.get("/healthz", HTTP_X_REQUEST_ID="x" * 300 + "\n")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", bad)


def test_the_signed_in_user_is_on_the_request_line(make_tenant, tenant_client, in_tenant, caplog):
    from tests.factories import UserFactory

    acme = make_tenant("acme")
    client = tenant_client(acme)
    with in_tenant(acme):
        staff = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(staff)
    with caplog.at_level(logging.INFO, logger="tenantry.request"):
        assert client.get("/admin/").status_code == 200
    record = next(r for r in caplog.records if r.name == "tenantry.request")
    assert (record.user_id, record.view, record.tenant) == (staff.pk, "admin:index", "acme")


def test_lines_written_during_a_request_carry_its_id_and_tenant(make_tenant, tenant_client, caplog, settings):
    settings.TENANT_URLCONF = "tests.observability.logging_urls"
    acme = make_tenant("acme")
    with caplog.at_level(logging.INFO, logger="careers"):
        tenant_client(acme).get("/say/", HTTP_X_REQUEST_ID="rid-42")
    record = next(r for r in caplog.records if r.getMessage() == "hello from a view")
    RequestContextFilter().filter(record)
    assert (record.request_id, record.tenant, record.database_alias) == ("rid-42", "acme", "default")
