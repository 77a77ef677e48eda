"""Per-plan limits (``settings.TENANT_PLAN_LIMITS``), read at call time.

The runtime applies one of them itself: the tenant's ``statement_timeout``, which the backend
sends with ``SET LOCAL`` in the same message as the search path. It applies only where
``statement_limits()`` is active (a tenant's web request), so that long work run in a tenant's
scope (migrations, exports, moves) is never cut short by a web page's budget.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tenancy import context

LIMIT_NAMES = ("requests_per_second", "burst", "statement_timeout_ms", "staff_users", "open_jobs")


@dataclass(frozen=True)
class PlanLimits:
    plan: str
    requests_per_second: float  # token bucket refill rate; 0: unlimited
    burst: int  # token bucket size
    statement_timeout_ms: int  # 0: no timeout
    staff_users: int | None  # active staff users; None: unlimited
    open_jobs: int | None  # open jobs; None: unlimited


_built: dict[str, tuple[dict, PlanLimits]] = {}


def plan_limits(plan: str) -> PlanLimits:
    configured = settings.TENANT_PLAN_LIMITS  # read at call time; built once per settings dict
    built = _built.get(plan)
    if built is not None and built[0] is configured:
        return built[1]
    try:
        values = configured[plan]
    except KeyError:
        raise ImproperlyConfigured(
            f"TENANT_PLAN_LIMITS has no plan {plan!r} (it has {', '.join(configured)})"
        ) from None
    try:
        limits = PlanLimits(plan=plan, **{name: values[name] for name in LIMIT_NAMES})
    except KeyError as error:
        raise ImproperlyConfigured(f"TENANT_PLAN_LIMITS[{plan!r}] has no {error.args[0]!r}") from None
    _built[plan] = (configured, limits)
    return limits


def current_plan_limits() -> PlanLimits | None:
    """The limits of the current tenant's plan; None on the platform or a bare schema."""
    plan = getattr(context.current_scope().tenant, "plan", None)
    return None if plan is None else plan_limits(plan)


# While limits apply: the plans' limits as configured when they were turned on (so that each
# statement reads them without going through ``settings``); None otherwise.
_enforced: ContextVar[dict | None] = ContextVar("tenantry_statement_limits", default=None)


def statement_limits_on():
    """From now on statements carry the current tenant's plan's ``statement_timeout``; returns
    the token for ``statement_limits_reset``."""
    return _enforced.set(settings.TENANT_PLAN_LIMITS)


def statement_limits_reset(token) -> None:
    _enforced.reset(token)


@contextmanager
def statement_limits():
    """Statements sent in this block carry the current tenant's plan's ``statement_timeout``."""
    token = statement_limits_on()
    try:
        yield
    finally:
        statement_limits_reset(token)


def statement_timeout_ms(scope: context.Scope) -> int:
    """The timeout for a statement sent in ``scope`` now; 0 for none. On every statement: cheap."""
    configured = _enforced.get()
    if configured is None:
        return 0
    plan = getattr(scope.tenant, "plan", None)
    if plan is None:
        return 0
    try:
        return int(configured[plan]["statement_timeout_ms"] or 0)
    except KeyError:
        raise ImproperlyConfigured(f"TENANT_PLAN_LIMITS has no statement_timeout_ms for plan {plan!r}") from None
