"""Reading the trail. The manager scopes it: a tenant reads its own events, the platform all."""

from django.db.models import Q, QuerySet

from audit.models import AuditEvent


def audit_event_list(*, search: str = "", tenant_slug: str = "", action: str = "") -> QuerySet[AuditEvent]:
    """Newest first; ``tenant_slug`` ``"-"`` means the platform's own events."""
    events = AuditEvent.objects.order_by("-created", "-id")
    if search:
        events = events.filter(Q(actor__icontains=search) | Q(object_repr__icontains=search))
    if tenant_slug == "-":
        events = events.filter(tenant_slug="")
    elif tenant_slug:  # its own events, and the platform's actions about it
        events = events.filter(Q(tenant_slug=tenant_slug) | Q(subject_slug=tenant_slug))
    if action:
        events = events.filter(action=action)
    return events


def audit_action_names() -> QuerySet[str]:
    return AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
