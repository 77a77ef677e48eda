"""The process's Prometheus metrics (prometheus-client).

prometheus-client directly rather than django-prometheus: django-prometheus labels by view
only through its own middleware pair and model/cache wrappers, has no per-tenant story (it
declined one), and its multiprocess support is the same prometheus-client mode used here; the
few metrics below cost less than its two middlewares. Under gunicorn every worker writes its
values to files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums them
(``deploy/gunicorn.conf.py``). No label here takes a tenant: per-tenant series come from
``observability.tenant_stats`` (top N and ``other``).
"""

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

requests = Counter("tenantry_http_requests", "HTTP requests answered, by view and status",
                   ["view", "status"])
request_duration = Histogram("tenantry_http_request_duration_seconds",
                             "Time to answer a request, by view and status", ["view", "status"],
                             buckets=LATENCY_BUCKETS)
# Per request, as totals by view (divide by tenantry_http_requests_total for the mean per
# request): a counter costs a third of a histogram on every request.
db_seconds = Counter("tenantry_http_db_seconds", "Time spent in database statements, by view", ["view"])
db_queries = Counter("tenantry_http_db_queries", "Database statements sent, by view", ["view"])
cache_requests = Counter("tenantry_cache_requests", "Cache reads, by result (hit or miss)", ["result"])
rate_limited = Counter("tenantry_rate_limited_requests", "Requests refused with 429, by plan", ["plan"])
statement_timeouts = Counter("tenantry_statement_timeouts",
                             "Requests whose statement hit the plan's statement_timeout, by plan", ["plan"])
tasks = Counter("tenantry_tasks", "Celery tasks run, by task and final state", ["task", "state"])
task_duration = Histogram("tenantry_task_duration_seconds", "Celery task run time, by task", ["task"],
                          buckets=LATENCY_BUCKETS + (60, 300, 900, 3600))


_request_children: dict[tuple[str, int], tuple] = {}


def request_observe(*, view: str, status: int, seconds: float, db_time: float, statements: int) -> None:
    """One answered request. The labelled children are looked up once per (view, status):
    views and statuses are few, and ``labels()`` costs more than the increments."""
    children = _request_children.get((view, status))
    if children is None:
        children = _request_children[(view, status)] = (
            requests.labels(view, status), request_duration.labels(view, status),
            db_seconds.labels(view), db_queries.labels(view))
    count, duration, db_seconds_total, db_queries_total = children
    count.inc()
    duration.observe(seconds)
    db_seconds_total.inc(db_time)
    db_queries_total.inc(statements)
