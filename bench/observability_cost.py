"""What metrics, logs and per-plan limits cost a request, in Django-side instructions (callgrind).

Run after ``bench/run.py`` (it uses that run's databases): the same in-process job list as
``bench/run.py``'s callgrind figure, for
  single   settings.single_tenant (tenancy off),
  bare     Tenantry without observability's two middlewares (no metrics, log line or limits),
  full     Tenantry as deployed, rate limit on the enterprise plan's 500/s (never refused),
  steady   ``full`` with the per-tenant counts flushed and rate-limit tokens leased as at full
           speed (callgrind runs ~50x slower, so clock-based batching would otherwise send a
           Redis round trip on nearly every request, which no real server does).

    .venv/bin/python bench/observability_cost.py [--count 100]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG = "postgres://postgres@127.0.0.1:5432"
ENV = {"DJANGO_SETTINGS_MODULE": "settings.test", "DATABASE_URL": f"{PG}/tenantry_bench",
       "TENANT_DATABASES": "", "REDIS_URL": "redis://127.0.0.1:6379/14", "BASE_DOMAIN": "tenantry.test",
       "AUDIT_DATABASE_URL": "mysql://root@127.0.0.1:3306/tenantry_bench_audit", "LOG_LEVEL": "WARNING",
       "TENANT_PLAN_LIMITS": '{"free": {"requests_per_second": 500, "burst": 2500}}',
       "PYTHONHASHSEED": "0", "TENANT_HOSTS_CHECK_INTERVAL": "86400", "CONN_MAX_AGE": "86400"}
CONFIGS = {
    "single": {"DJANGO_SETTINGS_MODULE": "settings.single_tenant", "DATABASE_URL": f"{PG}/tenantry_bench_single"},
    "bare": {"BENCH_OBSERVABILITY": "off"},
    "full": {},
    "steady": {"METRICS_FLUSH_SECONDS": "1e9", "BENCH_LEASE_SECONDS": "1e9"},
}


def serve(count: int) -> None:
    """In the measured process: ``count`` requests after 30 for warm-up."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    if os.environ.get("BENCH_LEASE_SECONDS"):
        from observability import ratelimit

        ratelimit.LEASE_SECONDS = float(os.environ["BENCH_LEASE_SECONDS"])
    middleware = list(settings.MIDDLEWARE)
    if os.environ.get("BENCH_OBSERVABILITY") == "off":
        middleware = [name for name in middleware if not name.startswith("observability.")]
    with override_settings(MIDDLEWARE=middleware):
        client = Client(HTTP_HOST="acme.tenantry.test")
        for _ in range(30):
            client.get("/jobs/")
        for _ in range(count):
            assert client.get("/jobs/").status_code == 200


def instructions(config: str, count: int) -> int:
    out = Path(tempfile.mkstemp(prefix="callgrind.")[1])
    try:
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
             "--serve", str(count)],
            cwd=REPO, env={**os.environ, **ENV, **CONFIGS[config]}, capture_output=True, text=True)
    finally:
        out.unlink(missing_ok=True)
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        return serve(args.serve)
    per_request = {}
    for config in CONFIGS:
        per_request[config] = (instructions(config, args.count) - instructions(config, 0)) / args.count
        print(f"{config:<8}{per_request[config] / 1e6:8.2f} M instructions per request", flush=True)
    for config in ("bare", "full", "steady"):
        print(f"ratio single/{config}: {per_request['single'] / per_request[config]:.3f}")


if __name__ == "__main__":
    main()
