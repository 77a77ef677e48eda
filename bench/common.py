"""What the benchmarks share: the two sides, their environment, and running Django steps.

- **tenantry**: ``settings.test`` on the tenant host ``acme.tenantry.test``;
- **single**: ``settings.single_tenant``, the same code with tenancy off.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE_DOMAIN = "tenantry.test"
TENANT_HOST = f"acme.{BASE_DOMAIN}"
SETTINGS = {"tenantry": "settings.test", "single": "settings.single_tenant"}


def sh(*command: str, env: dict | None = None) -> str:
    """Run a command in the repository; its output, or exit with its output on failure."""
    result = subprocess.run(command, cwd=REPO, env={**os.environ, **(env or {})},
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def django_env(mode: str, database_url: str, *, redis_url: str, audit_database: str) -> dict:
    """The environment one side's Django process runs with (``mode``: tenantry or single)."""
    return {"DJANGO_SETTINGS_MODULE": SETTINGS[mode], "DATABASE_URL": database_url,
            "TENANT_DATABASES": "", "REDIS_URL": redis_url, "BASE_DOMAIN": BASE_DOMAIN,
            "AUDIT_DATABASE_URL": f"mysql://root@127.0.0.1:3306/{audit_database}", "LOG_LEVEL": "WARNING",
            "GUNICORN_MAX_REQUESTS": "0"}  # no worker recycling in the middle of a measurement


def task(env: dict, *args: str) -> dict:
    """One step of ``bench/django_tasks.py`` in its own process: the JSON it prints last."""
    out = sh(sys.executable, "bench/django_tasks.py", *args, env=env)
    return json.loads(out.strip().splitlines()[-1])
