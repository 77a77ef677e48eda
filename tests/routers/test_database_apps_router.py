"""Every rule of the DatabaseAppsRouter, for real models and for historical ones."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ModelState, ProjectState
from django.test import override_settings

from audit.models import AuditEvent
from audit.outbox.models import PendingAuditEvent
from careers.models import Job
from routers.database_apps_router import DatabaseAppsRouter
from tenancy import context
from tenants.models import Domain, Tenant

ROOT = Path(__file__).resolve().parents[2]
ALIASES = ["default", "dedicated", "audit"]

PUBLIC = context.Scope(context.PUBLIC_SCHEMA, "default")
ON_PRIMARY = context.Scope("tenant_acme", "default")
ON_DEDICATED = context.Scope("tenant_bigco", "dedicated")
SCOPES = {"public": PUBLIC, "tenant on the primary": ON_PRIMARY, "tenant on dedicated": ON_DEDICATED}

# Where each model is read and written, by scope. None: nowhere (the router raises).
HOMES = {
    AuditEvent: {"public": "audit", "tenant on the primary": "audit", "tenant on dedicated": "audit"},
    # An event waits on its action's database, in its action's transaction (#18 item 12).
    PendingAuditEvent: {"public": "default", "tenant on the primary": "default", "tenant on dedicated": "dedicated"},
    Tenant: {"public": "default", "tenant on the primary": "default", "tenant on dedicated": "default"},
    Domain: {"public": "default", "tenant on the primary": "default", "tenant on dedicated": "default"},
    User: {"public": "default", "tenant on the primary": "default", "tenant on dedicated": "dedicated"},
    Session: {"public": "default", "tenant on the primary": "default", "tenant on dedicated": "dedicated"},
    LogEntry: {"public": "default", "tenant on the primary": "default", "tenant on dedicated": "dedicated"},
    Job: {"public": None, "tenant on the primary": "default", "tenant on dedicated": "dedicated"},
}


def phantom_model():
    """A historical model of an app that is in no app list and no mapping."""
    state = ProjectState()
    state.add_model(ModelState("ghost", "Phantom", [("id", models.AutoField(primary_key=True))]))
    return state.apps.get_model("ghost", "Phantom")


def historical(model):
    """The same model as a migration sees it: rebuilt from the migration files' state."""
    state_apps = MigrationLoader(None, ignore_no_migrations=True).project_state().apps
    return state_apps.get_model(model._meta.app_label, model._meta.model_name)


# --- db_for_read / db_for_write ---------------------------------------------------------------


@pytest.mark.parametrize("scope_name", SCOPES)
@pytest.mark.parametrize("model", HOMES, ids=lambda m: m._meta.label)
def test_reads_and_writes_go_to_the_models_home(model, scope_name):
    expected = HOMES[model][scope_name]
    with context.activated(SCOPES[scope_name]):
        for real_or_historical in (model, historical(model)):
            if expected is None:
                with pytest.raises(ImproperlyConfigured, match="No database for app 'careers'"):
                    router.db_for_read(real_or_historical)
                with pytest.raises(ImproperlyConfigured):
                    router.db_for_write(real_or_historical)
            else:
                assert router.db_for_read(real_or_historical) == expected
                assert router.db_for_write(real_or_historical) == expected


def test_the_mapping_wins_over_every_scope():
    with override_settings(DATABASE_APPS_MAPPING={}):
        with pytest.raises(ImproperlyConfigured, match="'audit'"):
            router.db_for_write(AuditEvent)  # unmapped, the audit app has no home at all


@pytest.mark.parametrize("scope_name", SCOPES)
def test_a_model_with_no_home_is_an_error_not_a_default(scope_name):
    phantom = phantom_model()
    with context.activated(SCOPES[scope_name]):
        with pytest.raises(ImproperlyConfigured, match="'ghost'"):
            router.db_for_read(phantom)
        for alias in ALIASES:
            with pytest.raises(ImproperlyConfigured, match="'ghost'"):
                router.allow_migrate_model(alias, phantom)


# --- allow_relation ---------------------------------------------------------------------------


def test_relations_are_allowed_within_one_database_only():
    rule = DatabaseAppsRouter()

    def saved(model, alias):
        obj = model()
        obj._state.db = alias
        return obj

    assert rule.allow_relation(saved(User, "dedicated"), saved(Group, "dedicated")) is True
    assert rule.allow_relation(saved(User, "default"), saved(Group, "default")) is True
    assert rule.allow_relation(saved(User, "dedicated"), saved(Group, "default")) is False
    assert rule.allow_relation(saved(AuditEvent, "audit"), saved(User, "default")) is False
    with context.activated(ON_DEDICATED):  # unsaved objects: judged by where they would go
        assert rule.allow_relation(Job(), User()) is True
        assert rule.allow_relation(Job(), Tenant()) is False


@pytest.mark.django_db(databases=ALIASES)
def test_the_orm_refuses_a_foreign_key_across_databases(make_tenant, in_tenant):
    tenant = make_tenant(database_alias="dedicated")
    with in_tenant(tenant):
        staff = User.objects.create_user(username="ops")
        assert staff._state.db == "dedicated"
        LogEntry(user=staff)  # same database: fine
    # The platform's log lives in the primary: pointing it at a dedicated user is refused.
    with pytest.raises(ValueError, match="router prevents this relation"):
        LogEntry(user=staff)


# --- allow_migrate ----------------------------------------------------------------------------

# Which aliases may hold each app's tables, by scope (the scope a migration runs in).
MIGRATES_ON = {
    "audit": {"public": {"audit"}, "tenant on the primary": {"audit"}, "tenant on dedicated": {"audit"}},
    "audit_outbox": {"public": {"default"}, "tenant on the primary": {"default"},
                     "tenant on dedicated": {"dedicated"}},
    "tenants": {"public": {"default"}, "tenant on the primary": set(), "tenant on dedicated": set()},
    "auth": {"public": {"default"}, "tenant on the primary": {"default"}, "tenant on dedicated": {"dedicated"}},
    "sessions": {"public": {"default"}, "tenant on the primary": {"default"},
                 "tenant on dedicated": {"dedicated"}},
    "careers": {"public": set(), "tenant on the primary": {"default"}, "tenant on dedicated": {"dedicated"}},
}


@pytest.mark.parametrize("scope_name", SCOPES)
@pytest.mark.parametrize("app_label", MIGRATES_ON)
def test_allow_migrate_puts_each_app_on_exactly_its_databases(app_label, scope_name):
    with context.activated(SCOPES[scope_name]):
        allowed = {alias for alias in ALIASES if router.allow_migrate(alias, app_label)}
        for model in apps.get_app_config(app_label).get_models():
            for candidate in (model, historical(model)):  # hints={"model": ...} as migrations pass
                assert {a for a in ALIASES if router.allow_migrate_model(a, candidate)} == allowed
    assert allowed == MIGRATES_ON[app_label][scope_name]


@pytest.mark.parametrize("scope_name", SCOPES)
def test_every_model_has_exactly_one_table_home_per_scope_or_none(scope_name):
    """No table in two databases of one migration run: no audit table in PostgreSQL, no tenant
    table in MySQL, no control plane table on a dedicated alias."""
    with context.activated(SCOPES[scope_name]):
        for model in apps.get_models(include_auto_created=True):
            homes = [alias for alias in ALIASES if router.allow_migrate_model(alias, model)]
            label = model._meta.app_label
            if label in ("audit",):
                assert homes == ["audit"], model
            elif scope_name == "public":
                assert homes in ([], ["default"]), model
            else:
                assert homes in ([], [SCOPES[scope_name].database_alias]), model


def test_a_mapped_database_holds_nothing_but_its_apps():
    for label in {config.label for config in apps.get_app_configs()} - {"audit"}:
        for scope in SCOPES.values():
            with context.activated(scope):
                assert router.allow_migrate("audit", label) is False, label


# --- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mapping, message",
    [
        ({"audit": "nowhere"}, "not in DATABASES"),
        ({"audit": "default"}, "a database for tenants"),
        ({"audit": "dedicated"}, "a database for tenants"),
    ],
)
def test_a_mapping_to_a_missing_or_tenant_database_is_refused(mapping, message):
    with override_settings(DATABASE_APPS_MAPPING=mapping):
        errors = checks.run_checks(tags=[checks.Tags.database])
    assert [error.id for error in errors if message in error.msg] in (["routers.E001"], ["routers.E002"])


def test_an_app_mapped_and_listed_at_once_is_refused(settings):
    settings.DATABASE_APPS_MAPPING = {"careers": "audit"}
    errors = checks.run_checks(tags=[checks.Tags.database])
    assert any(error.id == "routers.E003" and "one place only" in error.msg for error in errors)


def test_manage_py_check_reports_a_bad_mapping():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.routers.bad_mapping_settings"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "routers.E001" in result.stderr and "'nowhere'" in result.stderr


def test_the_configured_mapping_passes_the_checks():
    assert not [error for error in checks.run_checks(tags=[checks.Tags.database])
                if error.id.startswith("routers.")]


def test_app_lists_may_name_app_config_classes(settings):
    settings.TENANT_APPS = [
        "careers.apps.CareersConfig" if app == "careers" else app for app in settings.TENANT_APPS
    ]
    with context.activated(ON_DEDICATED):
        assert router.db_for_write(Job) == "dedicated"


@pytest.mark.django_db(databases=ALIASES)
def test_the_test_databases_were_migrated_by_the_router():
    """pytest-django's set-up ran ``migrate`` on each alias: the tables prove the rules."""

    def postgres_tables(alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {name for (name,) in cursor.fetchall()}

    with connections["audit"].cursor() as cursor:
        cursor.execute("SHOW TABLES")
        mysql_tables = {name for (name,) in cursor.fetchall()}

    assert mysql_tables == {"audit_auditevent", "django_migrations"}
    primary = postgres_tables("default")
    assert {"tenants_tenant", "audit_outbox_pendingauditevent", "auth_user"} <= primary
    assert not {"audit_auditevent", "careers_job"} & primary
    assert postgres_tables("dedicated") <= {"django_migrations"}  # no control plane there
