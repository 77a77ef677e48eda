"""deploy/systemd: every unit passes ``systemd-analyze verify`` (directives, paths, executables)."""

import shutil
import subprocess

import pytest

from tests.servers import REPO

UNITS = REPO / "deploy" / "systemd"
pytestmark = pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")


def verify(unit) -> subprocess.CompletedProcess:
    return subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)


def installed_at_checkout(tmp_path, name: str):
    """The unit as it would be installed, with /srv/tenantry being this checkout."""
    unit = tmp_path / name
    unit.write_text((UNITS / name).read_text().replace("/srv/tenantry", str(REPO)))
    return unit


def test_the_gunicorn_unit_verifies(tmp_path):
    unit = installed_at_checkout(tmp_path, "tenantry.service")
    result = verify(unit)
    assert result.returncode == 0, result.stderr
    text = unit.read_text()
    assert "deploy/gunicorn.conf.py controlplane.wsgi:application" in text
    assert "DJANGO_SETTINGS_MODULE=settings.prod" in text


def test_the_pgbouncer_unit_verifies():
    result = verify(UNITS / "pgbouncer.service")
    assert result.returncode == 0, result.stderr
    assert "/etc/pgbouncer/pgbouncer.ini" in (UNITS / "pgbouncer.service").read_text()


def test_a_unit_with_a_missing_executable_is_refused(tmp_path):
    """The checks above can fail: the unit as shipped names /srv/tenantry, absent here."""
    result = verify(UNITS / "tenantry.service")
    assert result.returncode != 0 and "/srv/tenantry/.venv/bin/gunicorn" in result.stderr


@pytest.mark.parametrize(("name", "command"), [
    ("tenantry-worker.service", "/.venv/bin/celery -A controlplane worker"),
    ("tenantry-beat.service", "/.venv/bin/celery -A controlplane beat"),
])
def test_the_celery_units_verify_and_run_the_contracted_commands(tmp_path, name, command):
    unit = installed_at_checkout(tmp_path, name)
    result = verify(unit)
    assert result.returncode == 0, result.stderr
    text = unit.read_text()
    assert f"ExecStart={REPO}{command}" in text
    assert "DJANGO_SETTINGS_MODULE=settings.prod" in text and "EnvironmentFile=/etc/tenantry/env" in text

