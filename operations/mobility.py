"""Moving and archiving tenants as operation kinds: ``mobility``'s services, with progress.

They run in ``public`` (the tenant is recorded for the list, not entered: a move works on the
registry and on raw connections to both databases), and a rerun after a killed worker starts
the move afresh, which first drops what the dead run left (``mobility.moves``).
"""

from mobility import moves, services
from tenants.models import Tenant

MOVE, ARCHIVE = "tenant.move", "tenant.archive"


def tenant_move_run(*, params: dict, progress, resume_from: int) -> dict:
    return moves.tenant_move(tenant=Tenant.objects.get(slug=params["slug"]), to=params["to"],
                             progress=progress, online=params.get("online")).as_dict()


def tenant_archive_run(*, params: dict, progress, resume_from: int) -> dict:
    return {"archive": services.tenant_archive(tenant=Tenant.objects.get(slug=params["slug"]),
                                               progress=progress)}
