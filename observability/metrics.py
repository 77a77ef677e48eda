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
QUERY_BUCKETS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 200, 500)

requests = Counter("tenantry_http_requests", "HTTP requests answered, by view and status",
                   ["view", "status"])
request_duration = Histogram("tenantry_http_request_duration_seconds",
                             "Time to answer a request, by view and status", ["view", "status"],
                             buckets=LATENCY_BUCKETS)
db_duration = Histogram("tenantry_http_request_db_seconds",
                        "Time spent in database statements per request, by view", ["view"],
                        buckets=LATENCY_BUCKETS)
db_queries = Histogram("tenantry_http_request_db_queries",
                       "Database statements per request, by view", ["view"], buckets=QUERY_BUCKETS)
cache_requests = Counter("tenantry_cache_requests", "Cache reads, by result (hit or miss)", ["result"])
rate_limited = Counter("tenantry_rate_limited_requests", "Requests refused with 429, by plan", ["plan"])
statement_timeouts = Counter("tenantry_statement_timeouts",
                             "Requests whose statement hit the plan's statement_timeout, by plan", ["plan"])
tasks = Counter("tenantry_tasks", "Celery tasks run, by task and final state", ["task", "state"])
task_duration = Histogram("tenantry_task_duration_seconds", "Celery task run time, by task", ["task"],
                          buckets=LATENCY_BUCKETS + (60, 300, 900, 3600))
