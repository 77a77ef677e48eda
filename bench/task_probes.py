"""The benchmark's two trivial tasks (loaded in the worker by ``CELERY_EXTRA_IMPORTS``).

Both push a timestamp onto a Redis list the benchmark waits on; one is a plain Celery task, the
other Tenantry's ``TenantTask`` (scope looked up in the registry and activated around the run).
"""

import os

import redis
from celery import Task, shared_task

from tenancy import context

_replies = None


def _reply(key: str, value: str) -> None:
    global _replies
    if _replies is None:
        _replies = redis.Redis.from_url(os.environ["BENCH_REPLY_URL"])
    _replies.rpush(key, value)


@shared_task(name="bench.plain_noop", base=Task)
def plain_noop(*, reply: str) -> None:
    _reply(reply, "plain")


@shared_task(name="bench.tenant_noop")
def tenant_noop(*, reply: str) -> None:
    _reply(reply, context.current_scope().slug or "public")
