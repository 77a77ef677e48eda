"""The benchmark's steps that run inside Django (one settings module per process).

    python bench/django_tasks.py seed --tenants acme,globex,initech --jobs 20
    python bench/django_tasks.py statements --host acme.tenantry.test --path /jobs/
    python bench/django_tasks.py requests --host acme.tenantry.test --count 100
    python bench/django_tasks.py serve --host acme.tenantry.test --count 200
    python bench/django_tasks.py provision --until 1000 --prefix scale
Each prints one JSON object on its last line.
"""

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

JOB_TITLES = [f"{kind} Engineer {n}" for n in range(1, 11) for kind in ("Backend", "Frontend")]


def tenancy_on() -> bool:
    return "tenancy.middleware.TenantMiddleware" in settings.MIDDLEWARE


def seed_jobs(count: int) -> None:
    from careers.models import Job
    from careers.services import job_create

    if not Job.objects.exists():
        for title in JOB_TITLES[:count]:
            job_create(title=title, department="Engineering", location="Remote",
                       description="Build the product with us.", status="open")


def seed(args) -> dict:
    if not tenancy_on():
        seed_jobs(args.jobs)
        return {"seeded": "single tenant"}
    from tenancy import context
    from tenants import services
    from tenants.models import Tenant

    for slug in args.tenants.split(","):
        tenant = Tenant.objects.filter(slug=slug).first() or services.tenant_create(
            slug=slug, name=f"{slug.title()} Corporation").tenant
        with context.activated(context.scope_for_tenant(tenant)):
            seed_jobs(args.jobs)
    return {"seeded": args.tenants}


def statements(args) -> dict:
    """SQL statements per request (after one warm-up request), and the round trips they take."""
    client = Client(HTTP_HOST=args.host)
    client.get(args.path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(args.path)
    assert response.status_code == 200, response.status_code
    return {"statements": len(queries.captured_queries),
            "sql": [query["sql"][:120] for query in queries.captured_queries]}


def requests(args) -> dict:
    """Serve ``--count`` requests in-process after a warm-up (run under callgrind: 0 and N)."""
    client = Client(HTTP_HOST=args.host)
    for _ in range(30):
        client.get(args.path)
    for _ in range(args.count):
        assert client.get(args.path).status_code == 200
    return {"served": args.count}


def serve(args) -> dict:
    """Serve ``--count`` requests through the WSGI application gunicorn loads, after
    ``--warm-up`` requests (run under callgrind with 0 and N: the difference is N requests).

    Unlike the test client, the WSGI handler sends Django's request_started and
    request_finished signals, so each request checks its database connection as it does
    under gunicorn.

    After the warm-up, one garbage collection: the objects of start-up and of the first
    requests (modules, URL resolvers, compiled templates) are otherwise traversed by a full
    collection somewhere in the next few hundred requests, once in a worker's life, at a point
    that moves with the memory layout; in or out of the counted requests it moved a side by up
    to 0.5 M instructions a request (2.5%). Both runs (0 and N) make it, so it cancels out."""
    from io import BytesIO

    from controlplane.wsgi import application

    def get() -> None:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": args.path, "QUERY_STRING": "",
                   "HTTP_HOST": args.host, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0),
                   "wsgi.url_scheme": "http", "wsgi.input": BytesIO(), "wsgi.errors": sys.stderr,
                   "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False}
        statuses = []
        result = application(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            body = b"".join(result)
        finally:
            result.close()  # request_finished: what a WSGI server does after each response
        if statuses != ["200 OK"] or args.expect.encode() not in body:
            raise SystemExit(f"{args.host}{args.path}: {statuses} {body[:300]!r}")

    for _ in range(args.warm_up):
        get()
    gc.collect()
    for _ in range(args.count):
        get()
    return {"served": args.count}


def provision(args) -> dict:
    """Provision tenants up to ``--until`` in all, timing each (with its first staff invite);
    then give each the same open jobs as the others (not timed), so every page is alike."""
    from tenancy import context
    from tenants import services
    from tenants.models import Tenant

    timings = []
    existing = Tenant.objects.count()
    for number in range(existing, args.until):
        slug = f"{args.prefix}-{number:05d}"
        started = time.perf_counter()
        tenant = services.tenant_create(slug=slug, name=f"Scale {number}",
                                        admin_email=f"admin@{slug}.example").tenant
        timings.append(time.perf_counter() - started)
        with context.activated(context.scope_for_tenant(tenant)):
            seed_jobs(args.jobs)
    last = timings[-50:] or [0.0]
    return {"created": len(timings), "total": Tenant.objects.count(),
            "median_all_s": statistics.median(timings) if timings else None,
            "median_last50_s": statistics.median(last), "p90_last50_s": sorted(last)[int(len(last) * 0.9) - 1],
            "hosts": [f"{t.slug}.{settings.BASE_DOMAIN}" for t in Tenant.objects.order_by("slug")]}


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="task", required=True)
    seeding = sub.add_parser("seed")
    seeding.add_argument("--tenants", default="acme,globex,initech")
    seeding.add_argument("--jobs", type=int, default=20)
    counting = sub.add_parser("statements")
    counting.add_argument("--host", required=True)
    counting.add_argument("--path", default="/jobs/")
    serving = sub.add_parser("requests")
    serving.add_argument("--host", required=True)
    serving.add_argument("--path", default="/jobs/")
    serving.add_argument("--count", type=int, default=0)
    wsgi = sub.add_parser("serve")
    wsgi.add_argument("--host", required=True)
    wsgi.add_argument("--path", default="/jobs/")
    wsgi.add_argument("--count", type=int, default=0)
    wsgi.add_argument("--warm-up", type=int, default=20)
    wsgi.add_argument("--expect", default=JOB_TITLES[0], help="text the page must contain")
    scaling = sub.add_parser("provision")
    scaling.add_argument("--until", type=int, required=True)
    scaling.add_argument("--prefix", default="scale")
    scaling.add_argument("--jobs", type=int, default=20)
    args = parser.parse_args()
    result = {"seed": seed, "statements": statements, "requests": requests,
              "serve": serve, "provision": provision}[args.task](args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
