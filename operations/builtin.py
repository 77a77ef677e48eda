"""The operation kinds Tenantry ships (``operations.kinds.register_builtin``)."""

from audit.services import audit_deliver_everywhere


def audit_deliver_everywhere_run(*, params: dict, progress, resume_from: int) -> dict:
    # Idempotent by construction: a rerun finds delivered events gone from the outbox.
    return {"delivered": audit_deliver_everywhere(progress=progress)}
