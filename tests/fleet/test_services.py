"""``fleet.services`` called from code (as the operations work will): summary and progress."""

import pytest
from django.db import connection

from fleet.services import fleet_check, fleet_migrate
from tenancy import context


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_fleet_migrate_from_code_reports_progress_and_repairs_a_schema_behind(make_tenant, in_tenant):
    tenants = [make_tenant() for _ in range(3)]
    behind = tenants[1]
    with in_tenant(behind), connection.cursor() as cursor:  # as if sessions.0001 never ran there
        cursor.execute("DROP TABLE django_session")
        cursor.execute("DELETE FROM django_migrations WHERE app = 'sessions'")
    with context.activated(context.public_scope()):
        # Changed behind the fleet's back: its marker (if the template had one) still says
        # current, so only reading every schema's rows sees it.
        check = fleet_check(verify=True)
        assert not check.current and check.behind["default"] == 1

        events = []
        summary = fleet_migrate(parallel=2, progress=events.append, verify=True)

        assert summary.ok, summary.as_dict()
        [outcome] = summary.outcomes
        assert outcome.target.slug == behind.slug
        assert outcome.applied == ["sessions.0001_initial"]
        kinds = [event.kind for event in events]
        assert kinds[-1] == "done" and "start" in kinds
        assert [e.done for e in events if e.kind == "schema"] == [1]
        assert summary.database("default").migrated == 1
        assert fleet_check().current
    with in_tenant(behind), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM django_session")
        assert cursor.fetchone() == (0,)


@pytest.mark.parametrize("options", [{"parallel": 0}, {"canary": -1}])
def test_bad_options_are_refused_before_anything_runs(options):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="--parallel must be at least 1"):
        fleet_migrate(**options)
