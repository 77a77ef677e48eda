"""Writing the audit trail. A write never breaks the action it records.

An event is written to the outbox in the action's own transaction, on the action's database
(the tenant's schema, or the primary's ``public`` for platform actions), so it exists exactly
when the action does. After the commit the task ``audit.outbox_deliver`` moves it to MySQL;
beat sends that task to every tenant periodically (``operations.fan_out``), so what waited
while MySQL was down arrives once it is back; ``manage.py audit deliver`` does it by hand.
Delivery is idempotent: ``event_id`` is unique in MySQL and inserts ignore duplicates.
"""

from __future__ import annotations

import logging
import uuid

from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from audit.middleware import current_request
from audit.models import AuditEvent
from audit.outbox.models import PendingAuditEvent
from audit.scoping import scope_tenant_slug
from tenancy import context, directory, tasks
from tenancy.client_ip import client_ip

logger = logging.getLogger(__name__)

DELIVER_TASK = "audit.outbox_deliver"


class Actions:
    """Every action name the trail knows, in one place."""

    TENANT_CREATED = "tenant.created"
    TENANT_SUSPENDED = "tenant.suspended"
    TENANT_RESUMED = "tenant.resumed"
    TENANT_DELETED = "tenant.deleted"
    DOMAIN_ADDED = "domain.added"
    DOMAIN_REMOVED = "domain.removed"
    DOMAIN_MADE_PRIMARY = "domain.made_primary"
    INVITE_RESENT = "invite.resent"
    INVITE_LINK_COPIED = "invite.link_copied"
    TENANT_EXPORTED = "tenant.exported"
    TENANT_IMPORTED = "tenant.imported"
    TENANT_MOVED = "tenant.moved"
    TENANT_MOVE_FAILED = "tenant.move_failed"
    TENANT_ARCHIVED = "tenant.archived"
    TENANT_RESTORED = "tenant.restored"
    TENANT_PURGED = "tenant.purged"
    ADMIN_ADD = "admin.add"
    ADMIN_CHANGE = "admin.change"
    ADMIN_DELETE = "admin.delete"
    SIGN_IN = "auth.sign_in"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    APPLICATIONS_EXPORTED = "applications.exported"
    INTERVIEWERS_NOTIFIED = "applications.interviewers_notified"
    APPLICATION_STATUS_MOVED = "applications.status_moved"
    CV_DOWNLOADED = "application.cv_downloaded"
    PASSWORD_SET = "auth.password_set"


def audit_record(
    *, action: str, object_repr: str = "", request=None, actor: str | None = None,
    subject_slug: str = "",
) -> None:
    """Record ``action`` on ``object_repr`` by the current user, in the current tenant's trail.

    The event is written to the outbox in the current scope (the tenant's schema on the tenant's
    database, or the primary's ``public``), inside the caller's transaction: it commits or rolls
    back with the action it records. Once committed, a task delivers it to MySQL. The tenant
    comes from ``tenancy.context``; actor and IP from ``request`` (by default the request being
    served). ``subject_slug`` names the organization a platform action is about, so that
    filtering the trail by that organization finds it too. Never raises.
    """
    request = request if request is not None else current_request()
    event = {
        "event_id": uuid.uuid4(),
        "tenant_slug": scope_tenant_slug() or "",
        "subject_slug": subject_slug[:40],
        "actor": (actor if actor is not None else _actor_of(request))[:150],
        "action": action[:64],
        "object_repr": str(object_repr)[:200],
        "ip": _client_ip(request),
        "created": timezone.now(),
    }
    alias = router.db_for_write(PendingAuditEvent)
    try:
        with transaction.atomic(using=alias):  # a savepoint: a failure here spares the action
            PendingAuditEvent.objects.create(**event)
    except Exception:  # the action's own database failed: the log line is the last record
        logger.exception("audit event not recorded: %s", event)
        return
    tasks.send_on_commit(DELIVER_TASK, using=alias)


def audit_deliver(*, limit: int | None = None, batch_size: int = 500) -> int:
    """Move the current scope's waiting events to MySQL; returns how many were delivered.

    Each batch is locked (other deliverers skip it), inserted with duplicates ignored, then
    deleted from the outbox in the same PostgreSQL transaction: a crash in between delivers
    the batch again, and MySQL keeps one row per event (``event_id`` is unique): exactly once.
    """
    alias = router.db_for_write(PendingAuditEvent)
    delivered = 0
    try:
        while limit is None or delivered < limit:
            size = batch_size if limit is None else min(batch_size, limit - delivered)
            with transaction.atomic(using=alias):
                waiting = PendingAuditEvent.objects.select_for_update(skip_locked=True)
                batch = list(waiting.order_by("id")[:size])
                if not batch:
                    break
                AuditEvent.objects.bulk_create(
                    [AuditEvent(**pending.as_fields()) for pending in batch], ignore_conflicts=True
                )
                PendingAuditEvent.objects.filter(pk__in=[pending.pk for pending in batch]).delete()
            delivered += len(batch)
    except Exception as error:
        _forget_broken_connection(error)
        reason = f"{type(error).__name__}: {error}"[:2000]
        try:
            PendingAuditEvent.objects.update(last_error=reason)
        except DatabaseError:
            pass  # the outbox's own database: the events are where they were
        logger.warning("audit store unavailable, events wait in the outbox: %s", reason)
        raise
    finally:
        if delivered:
            logger.info("delivered %d audit event(s) from the outbox", delivered)
    return delivered


def audit_scopes() -> list[context.Scope]:
    """Every outbox: the platform's (``public``) and each tenant's, wherever it lives."""
    return [context.public_scope()] + [
        context.scope_for_tenant(tenant) for tenant in directory.directory().tenants()
    ]


def audit_deliver_everywhere(*, progress=None) -> int:
    """Deliver every outbox; raises the first scope's error after trying them all."""
    delivered, failure = 0, None
    scopes = audit_scopes()
    for done, scope in enumerate(scopes, start=1):
        with context.activated(scope):
            try:
                delivered += audit_deliver()
            except Exception as error:
                failure = failure or error
        if progress is not None:
            progress(done, len(scopes), f"{delivered} event(s) delivered")
    if failure is not None:
        raise failure
    return delivered


def audit_pending() -> list[PendingAuditEvent]:
    """Every waiting event, in every outbox, oldest first."""
    waiting = []
    for scope in audit_scopes():
        with context.activated(scope):
            waiting.extend(PendingAuditEvent.objects.order_by("id"))
    return sorted(waiting, key=lambda event: event.created)


def audit_pending_count() -> int:
    return len(audit_pending())


def _forget_broken_connection(error: Exception) -> None:
    """A dropped MySQL connection stays broken until closed; the next write reconnects."""
    if not isinstance(error, DatabaseError):
        return
    connection = connections[router.db_for_write(AuditEvent)]
    if not connection.in_atomic_block:
        try:
            connection.close()
        except DatabaseError:
            pass  # already gone


def _actor_of(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.get_username()
    return "" if request is not None else "system"


def _client_ip(request) -> str | None:
    return None if request is None else client_ip(request)
