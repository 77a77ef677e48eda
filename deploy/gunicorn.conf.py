"""gunicorn for Tenantry: ``gunicorn -c deploy/gunicorn.conf.py controlplane.wsgi:application``.

Workers and threads come from the environment; the defaults suit a small machine. Each thread
keeps one connection per database: behind pgbouncer in transaction mode that is cheap (the
server connections are pgbouncer's pool), so many threads need no more PostgreSQL connections.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django's own logging (with the tenant on every line) goes to stderr; gunicorn's access log too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "tenantry"
# X-Forwarded-Proto is trusted only with BEHIND_PROXY=true, like Django's own settings, and
# then only from the proxy's addresses (deploy/nginx runs on this host).
_behind_proxy = os.environ.get("BEHIND_PROXY", "").strip().lower() in {"1", "true", "yes", "on"}
forwarded_allow_ips = (
    os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if _behind_proxy else ""
)

# Prometheus multiprocess mode: every worker writes its metrics to files in one directory and
# /metrics sums them. Made (or emptied: files of a previous run would be counted again) by the
# master before any worker starts, so every worker inherits the same one.
_own_metrics_dir = []


def on_starting(server):
    import glob
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        directory = tempfile.mkdtemp(prefix="tenantry-metrics-", dir=worker_tmp_dir)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        _own_metrics_dir.append(directory)
    for path in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
        os.remove(path)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    import shutil

    for directory in _own_metrics_dir:  # made above for this run only
        shutil.rmtree(directory, ignore_errors=True)
