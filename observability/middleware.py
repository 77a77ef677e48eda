"""The request path: who asked, how long it took, and whether the tenant may ask now.

``RequestObservabilityMiddleware`` (outermost): request id, timing, database work, metrics, the
per-tenant window and one log line per request. ``TenantLimitsMiddleware`` (right after the
host -> tenant middleware): the tenant's request rate (429) and its plan's statement timeout,
with a clean page when a statement is cancelled by it.
"""

from __future__ import annotations

import logging
import time

from django.db import OperationalError
from django.shortcuts import render
from django.utils.functional import empty
from psycopg2 import errors as pg_errors

from observability import metrics, ratelimit, tenant_stats
from observability.request_context import DatabaseWork, database_work, request_id, request_id_from
from tenancy import limits
from tenancy.context import current_scope

logger = logging.getLogger("tenantry.request")
UNRESOLVED = "unresolved"  # 404s and answers given before URL resolution (unknown host, 429)


class RequestObservabilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        rid = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))  # not .headers: it copies them all
        rid_token = request_id.set(rid)
        work = DatabaseWork()
        work_token = database_work.set(work)
        try:
            response = self.get_response(request)
        finally:
            database_work.reset(work_token)
            request_id.reset(rid_token)
        duration = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else UNRESOLVED
        status = response.status_code
        metrics.request_observe(view=view, status=status, seconds=duration,
                                db_time=work.seconds, statements=work.queries)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            tenant_stats.request_record(slug=tenant.slug, db_seconds=work.seconds, error=status >= 500)
        response["X-Request-ID"] = rid
        if logger.isEnabledFor(logging.INFO):
            # The user only if the request already loaded it: never a session read for a log line.
            user = getattr(getattr(request, "user", None), "_wrapped", None)
            user = None if user is empty else user
            logger.info(
                "%s %s %s %.1fms rid=%s", request.method, request.path, status, duration * 1000, rid,
                extra={"tenant": getattr(tenant, "slug", None) or "-",
                       "database_alias": getattr(tenant, "database_alias", None) or current_scope().database_alias,
                       "request_id": rid, "user_id": getattr(user, "pk", None) if user else None,
                       "view": view, "status": status, "duration_ms": round(duration * 1000, 2),
                       "db_queries": work.queries, "db_ms": round(work.seconds * 1000, 2)},
            )
        return response


class TenantLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is None:  # the platform's root domain: no plan, no limits
            return self.get_response(request)
        plan_limits = limits.plan_limits(tenant.plan)
        verdict = ratelimit.request_take(slug=tenant.slug, limits=plan_limits)
        if not verdict.allowed:
            metrics.rate_limited.labels(tenant.plan).inc()
            response = render(request, "observability/rate_limited.html", status=429)
            response["Retry-After"] = str(verdict.retry_after)
            return response
        token = limits.statement_limits_on()  # not the context manager: this runs on every request
        try:
            return self.get_response(request)
        finally:
            limits.statement_limits_reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError) and isinstance(exception.__cause__, pg_errors.QueryCanceled):
            tenant = request.tenant
            metrics.statement_timeouts.labels(tenant.plan).inc()
            logger.warning("statement cancelled at the %s plan's statement_timeout: %s %s",
                           tenant.plan, request.method, request.path)
            return render(request, "observability/statement_timeout.html",
                          {"limits": limits.plan_limits(tenant.plan)}, status=503)
        return None
