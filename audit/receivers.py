"""Sign-in events, which Django announces with signals (admin changes come from
``audit.admin.AuditedModelAdmin``). Connected in ``AuditConfig.ready()``."""

from django.contrib.auth.signals import user_logged_in, user_login_failed

from audit.services import Actions, audit_record


def sign_in_recorded(sender, request, user, **kwargs):
    audit_record(action=Actions.SIGN_IN, object_repr=user.get_username(), request=request)


def sign_in_failure_recorded(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("username", ""))
    audit_record(
        action=Actions.SIGN_IN_FAILED, object_repr=attempted, request=request, actor=attempted
    )


def connect() -> None:
    user_logged_in.connect(sign_in_recorded, dispatch_uid="audit.sign_in")
    user_login_failed.connect(sign_in_failure_recorded, dispatch_uid="audit.sign_in_failed")
