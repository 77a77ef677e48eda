"""Staff actions the audit trail hears about from Django itself: sign-in and admin changes.

Connected in ``AuditConfig.ready()``. Admin add/change/delete come from the admin's own
``LogEntry`` rows; bulk deletions (saved without signals) are recorded by the audited
``delete_selected`` action in ``audit.admin``.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save

from audit.services import Actions, audit_record

ADMIN_ACTIONS = {
    ADDITION: Actions.ADMIN_ADD,
    CHANGE: Actions.ADMIN_CHANGE,
    DELETION: Actions.ADMIN_DELETE,
}

_log_entries_paused: ContextVar[bool] = ContextVar("audit_log_entries_paused", default=False)


@contextmanager
def log_entries_paused():
    """While a caller records the events itself (bulk deletion), skip the LogEntry rows."""
    token = _log_entries_paused.set(True)
    try:
        yield
    finally:
        _log_entries_paused.reset(token)


def admin_object_repr(*, app_label: str, model_name: str, object_id, text: str) -> str:
    return f"{app_label}.{model_name} {object_id}: {text}"


def sign_in_recorded(sender, request, user, **kwargs):
    audit_record(action=Actions.SIGN_IN, object_repr=user.get_username(), request=request)


def sign_in_failure_recorded(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("username", ""))
    audit_record(
        action=Actions.SIGN_IN_FAILED, object_repr=attempted, request=request, actor=attempted
    )


def admin_log_entry_recorded(sender, instance: LogEntry, created, raw=False, **kwargs):
    if not created or raw or _log_entries_paused.get() or instance.action_flag not in ADMIN_ACTIONS:
        return
    content_type = instance.content_type
    audit_record(
        action=ADMIN_ACTIONS[instance.action_flag],
        object_repr=admin_object_repr(
            app_label=content_type.app_label,
            model_name=content_type.model,
            object_id=instance.object_id,
            text=instance.object_repr,
        ),
        actor=instance.user.get_username(),
    )


def connect() -> None:
    user_logged_in.connect(sign_in_recorded, dispatch_uid="audit.sign_in")
    user_login_failed.connect(sign_in_failure_recorded, dispatch_uid="audit.sign_in_failed")
    post_save.connect(admin_log_entry_recorded, sender=LogEntry, dispatch_uid="audit.admin_log")
