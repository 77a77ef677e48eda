"""Settings split per environment; prod refuses to start without its secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "SECRET_KEY": "s3cret-for-the-test",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tenantry",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "BASE_DOMAIN": "example.com",
    "AUDIT_DATABASE_URL": "mysql://root@127.0.0.1:3306/tenantry_audit",
}
SHOW = (
    "import django; from django.conf import settings as s; django.setup(); "
    "print(s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, getattr(s, 'SECURE_PROXY_SSL_HEADER', None), "
    "getattr(s, 'USE_X_FORWARDED_HOST', False))"
)


def run_prod(env_overrides: dict, code: str = SHOW) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in PROD_ENV and k != "BEHIND_PROXY"}
    env.update(DJANGO_SETTINGS_MODULE="settings.prod", **env_overrides)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("missing", sorted(PROD_ENV))
def test_prod_refuses_to_start_without_a_secret_and_names_it(missing):
    result = run_prod({k: v for k, v in PROD_ENV.items() if k != missing})
    assert result.returncode != 0
    assert f"settings.prod needs the environment variable {missing}" in result.stderr


def test_prod_turns_on_the_security_settings():
    result = run_prod(PROD_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == (
        "False ['example.com', '.example.com'] True True 31536000 True None False"
    )


def test_prod_trusts_forwarded_headers_only_behind_a_proxy():
    result = run_prod({**PROD_ENV, "BEHIND_PROXY": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("('HTTP_X_FORWARDED_PROTO', 'https') True")


def test_environment_modules_only_override_base():
    for module in ("dev", "test", "prod"):
        source = (ROOT / "settings" / f"{module}.py").read_text()
        assert "from .base import *" in source


def _tree() -> set[str]:
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", "test-artifacts"}
    return {str(path.relative_to(ROOT)) for path in ROOT.rglob("*")
            if not skip.intersection(path.relative_to(ROOT).parts)}


@pytest.mark.parametrize("module", ["settings.dev", "settings.test"])
def test_importing_settings_starts_nothing_and_writes_nothing(module):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "AUDIT_DATABASE_URL", "REDIS_URL", "TENANT_DATABASES")}
    before = _tree()
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pgserver', 'tenancy', 'tenants', 'audit', 'careers', 'controlplane', 'routers')))")
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # no embedded server, no app package
    assert "pgserver" not in result.stderr  # not even imported on the way
    assert _tree() == before
