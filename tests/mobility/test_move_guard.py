"""One move of a tenant at a time: a second is refused instead of tearing down the first's
replication, and ``--abort`` waits for a move that is still alive."""

import pytest
from django.core.exceptions import ValidationError

from mobility import moves
from tenants import services as registry
from tenants.models import Tenant

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")


def test_a_second_move_of_a_tenant_is_refused_while_the_first_runs(populated):
    acme, globex = populated("acme-busy", applications=2), populated("globex-free", applications=1)
    with moves.move_lock(acme):  # as a move running in another process holds it
        with pytest.raises(ValidationError, match="acme-busy is being moved by another process"):
            moves.tenant_move(tenant=acme, to="dedicated")
        with moves.move_lock(globex):  # other tenants move meanwhile
            pass
    assert Tenant.objects.get(pk=acme.pk).database_alias == "default"

    registry.tenant_update_placement(tenant=acme, status=Tenant.Status.MOVING)
    with moves.move_lock(acme):
        with pytest.raises(ValidationError, match="being moved by another process"):
            moves.tenant_move_abort(tenant=acme)
    moves.tenant_move_abort(tenant=acme)  # the move is gone: its leftovers go, writes resume
    assert Tenant.objects.get(pk=acme.pk).status == Tenant.Status.ACTIVE
