"""Every log line names its tenant; django.request errors reach stderr in every environment."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tenancy import context
from tenancy.logging import TenantFilter

ROOT = Path(__file__).resolve().parents[2]


def formatted(message: str) -> str:
    record = logging.LogRecord("careers", logging.INFO, __file__, 1, message, None, None)
    TenantFilter().filter(record)
    return logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]).format(record)


@pytest.mark.django_db
def test_the_log_format_carries_the_tenant_slug(make_tenant):
    acme = make_tenant("acme")
    with context.activated(context.scope_for_tenant(acme)):
        assert "INFO [acme] careers: hello" in formatted("hello")
    assert "INFO [-] careers: hello" in formatted("hello")


@pytest.mark.parametrize("module", ["settings.dev", "settings.test", "settings.prod"])
def test_request_errors_go_to_stderr_with_the_tenant(module):
    code = (
        "import django, logging; django.setup(); from tenancy import context; "
        "from tenants.models import Tenant; "
        "t = Tenant(slug='acme', schema_name='tenant_acme', database_alias='default'); "
        "context.set_scope(context.scope_for_tenant(t)); "
        "logging.getLogger('django.request').error('Internal Server Error: /jobs/')"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, "SECRET_KEY": "x",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tenantry",
           "REDIS_URL": "redis://127.0.0.1:6379/15", "BASE_DOMAIN": "example.com",
           "AUDIT_DATABASE_URL": "mysql://root@127.0.0.1:3306/tenantry_audit"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    if module == "settings.prod":  # one JSON object a line in production
        line = json.loads(result.stderr.strip().splitlines()[-1])
        assert (line["level"], line["tenant"], line["logger"], line["message"]) == (
            "ERROR", "acme", "django.request", "Internal Server Error: /jobs/")
        assert line["database_alias"] == "default" and line["request_id"] == "-"
    else:
        assert "ERROR [acme] django.request: Internal Server Error: /jobs/" in result.stderr
