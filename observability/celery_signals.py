"""Celery tasks: counts and durations, and the request id travelling with each task.

Connected from ``ObservabilityConfig.ready()`` only when celery is importable, to Celery's
global signals: whatever app sends or runs the tasks (``controlplane.celery``), nothing here
imports it. The publishing side puts the current request id in a message header; the worker
side sets it as the current one while the task runs, so the task's log lines carry it.
"""

from __future__ import annotations

import time

from observability import metrics
from observability.request_context import request_id

HEADER = "tenantry_request_id"
_started: dict[str, tuple[float, object]] = {}  # task id -> (start, request id token)


def before_task_publish(sender=None, headers=None, **kwargs):
    rid = request_id.get()
    if rid and headers is not None:
        headers.setdefault(HEADER, rid)


def task_prerun(task_id=None, task=None, **kwargs):
    rid = None
    if task is not None:  # custom headers arrive as attributes of the task's request
        rid = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER)
    token = request_id.set(rid or f"task-{task_id}")
    _started[task_id] = (time.perf_counter(), token)


def task_postrun(task_id=None, task=None, state=None, **kwargs):
    started, token = _started.pop(task_id, (None, None))
    name = getattr(task, "name", "unknown")
    metrics.tasks.labels(name, state or "UNKNOWN").inc()
    if started is not None:
        metrics.task_duration.labels(name).observe(time.perf_counter() - started)
        try:
            request_id.reset(token)
        except ValueError:  # another context (a thread pool): nothing to restore there
            request_id.set(None)


def connect() -> bool:
    try:
        from celery import signals
    except ImportError:
        return False
    signals.before_task_publish.connect(before_task_publish, weak=False, dispatch_uid="tenantry-obs-publish")
    signals.task_prerun.connect(task_prerun, weak=False, dispatch_uid="tenantry-obs-prerun")
    signals.task_postrun.connect(task_postrun, weak=False, dispatch_uid="tenantry-obs-postrun")
    return True
