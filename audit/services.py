"""Writing the audit trail. A write never breaks the action it records.

MySQL first; if it cannot take the event, the event waits in the outbox on the primary
(PostgreSQL) and is delivered by the next successful write or by ``manage.py audit deliver``.
Delivery is idempotent: ``event_id`` is unique in MySQL and inserts ignore duplicates.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from audit.middleware import current_request
from audit.models import AuditEvent
from audit.outbox.models import PendingAuditEvent
from audit.scoping import scope_tenant_slug
from tenancy import context
from tenancy.client_ip import client_ip

logger = logging.getLogger(__name__)

OPPORTUNISTIC_BATCH = 100  # what a user's request delivers at most, so it stays fast


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

    The tenant comes from ``tenancy.context``; actor and IP from ``request`` (by default the
    request being served). ``subject_slug`` names the organization a platform action is about,
    so that filtering the trail by that organization finds it too. Never raises.
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
    try:
        AuditEvent.objects.create(**event)
    except Exception as error:  # whatever MySQL's trouble, the user's action goes on
        _forget_broken_connection(error)
        _keep_in_outbox(event, error)
        return
    if PendingAuditEvent.objects.exists():
        try:
            audit_deliver(limit=OPPORTUNISTIC_BATCH)
        except Exception as error:
            _forget_broken_connection(error)
            logger.warning("audit outbox delivery postponed: %s", error)


def audit_deliver(*, limit: int | None = None, batch_size: int = 500) -> int:
    """Move waiting events from the outbox to MySQL; returns how many were delivered.

    Each batch is locked (other deliverers skip it), inserted with duplicates ignored, then
    deleted from the outbox in the same PostgreSQL transaction: a crash in between delivers
    the batch again, and MySQL keeps one row per event.
    """
    primary = settings.TENANT_DB_ALIAS
    delivered = 0
    with context.activated(context.public_scope()):
        while limit is None or delivered < limit:
            size = batch_size if limit is None else min(batch_size, limit - delivered)
            with transaction.atomic(using=primary):
                waiting = PendingAuditEvent.objects.select_for_update(skip_locked=True)
                batch = list(waiting.order_by("id")[:size])
                if not batch:
                    break
                AuditEvent.objects.bulk_create(
                    [AuditEvent(**pending.as_fields()) for pending in batch], ignore_conflicts=True
                )
                PendingAuditEvent.objects.filter(pk__in=[pending.pk for pending in batch]).delete()
            delivered += len(batch)
    if delivered:
        logger.info("delivered %d audit event(s) from the outbox", delivered)
    return delivered


def audit_pending_count() -> int:
    return PendingAuditEvent.objects.count()


def _keep_in_outbox(event: dict, error: Exception) -> None:
    logger.warning(
        "audit store unavailable, event %s kept in the outbox: %s", event["event_id"], error
    )
    try:
        reason = f"{type(error).__name__}: {error}"[:2000]
        PendingAuditEvent.objects.create(**event, last_error=reason)
    except Exception:  # the primary is down too: the log line is the last record
        logger.exception("audit event lost to both stores: %s", event)


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
