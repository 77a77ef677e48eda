"""The console's operations: a list with live progress bars (polling a small JSON endpoint), and
starting one. Thin: ``operations.services`` and ``operations.selectors`` do the work."""

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from controlplane.console.views import _page, _tenant_or_404, console_view
from operations import kinds, selectors, services
from operations.models import Operation


@console_view("operations.view_operation")
@require_GET
def operation_list(request):
    return _page(request, "console/operation_list.html", {
        "operations": selectors.operations_list(limit=100),
        "kinds": [kind for kind in kinds.registered()],
        "can_start": request.user.has_perm("operations.add_operation"),
    }, section="operations")


@console_view("operations.view_operation")
@require_GET
def operation_status(request):
    """What the list page polls: the newest operations, or those named by ``?id=1,2``."""
    ids = [part for part in request.GET.get("id", "").split(",") if part.isdigit()]
    operations = selectors.operations_list(limit=100)
    if ids:
        operations = Operation.objects.using(operations.db).filter(pk__in=ids)
    return JsonResponse({"operations": [selectors.operation_as_dict(op) for op in operations]})


@console_view("operations.view_operation")
@require_GET
def operation_detail_json(request, operation_id: int):
    try:
        operation = selectors.operation_get(operation_id=operation_id)
    except Operation.DoesNotExist:
        raise Http404(f"No operation #{operation_id}.") from None
    return JsonResponse(selectors.operation_as_dict(operation))


@console_view("operations.add_operation")
@require_POST
def operation_start(request):
    try:
        kind = kinds.get(request.POST.get("kind", ""))
    except LookupError as error:
        messages.error(request, str(error))
        return redirect("console:operation-list")
    slug = request.POST.get("tenant", "").strip()
    tenant = _tenant_or_404(slug) if slug else None
    if kind.per_tenant and tenant is None:
        messages.error(request, f"{kind.label} needs an organization.")
        return redirect("console:operation-list")
    started = services.operation_start(kind=kind.name, tenant=tenant,
                                       requested_by=request.user.get_username())
    level = messages.warning if started.sent is False else messages.success
    level(request, started.notice)
    return redirect("console:operation-list")
