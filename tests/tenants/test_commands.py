"""``manage.py tenants ...``: the operators' contract."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tenants.models import Tenant

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("tenants", *args, stdout=out)
    return out.getvalue()


def test_create_list_suspend_resume_delete_round_trip():
    created = json.loads(run("create", "acme", "--name", "Acme Corp", "--plan", "team", "--json"))
    assert created["slug"] == "acme" and created["plan"] == "team" and created["database"] == "default"
    assert created["url"] == "http://acme.tenantry.test" and created["invite_link"] is None

    listed = json.loads(run("list", "--json"))
    assert [(row["slug"], row["status"], row["database"]) for row in listed] == [("acme", "active", "default")]
    assert "acme" in run("list") and "default" in run("list")

    run("suspend", "acme")
    assert Tenant.objects.get(slug="acme").status == "suspended"
    run("resume", "acme")
    assert Tenant.objects.get(slug="acme").status == "active"

    with pytest.raises(CommandError, match="run again with --yes"):
        run("delete", "acme")
    assert Tenant.objects.filter(slug="acme").exists()
    run("delete", "acme", "--yes")
    assert not Tenant.objects.filter(slug="acme").exists()


def test_create_with_admin_email_prints_the_invite(mailoutbox):
    output = run("create", "initech", "--name", "Initech", "--admin-email", "bill@initech.example")
    assert "Created Initech at http://initech.tenantry.test" in output
    assert "Invite e-mail to bill@initech.example handed to the workers: http://initech.tenantry.test/admin/invite/" in output


@pytest.mark.parametrize(
    "args, message",
    [
        (["create", "www", "--name", "W"], "Slug 'www' is reserved."),
        (["create", "Bad_Slug", "--name", "B"], "may contain only lowercase letters, digits and hyphens"),
        (["suspend", "ghost"], "No tenant with slug 'ghost'."),
        (["create", "okay", "--name", "O", "--database", "nowhere"], "Database alias 'nowhere' is not configured"),
    ],
)
def test_bad_input_is_a_command_error_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run(*args)


def test_a_refused_slug_exits_non_zero_from_the_shell():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "tenants", "create", "admin", "--name", "Admin"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "Slug 'admin' is reserved." in result.stderr


@pytest.mark.django_db(databases="__all__")
def test_migrate_brings_every_tenant_up_to_date(make_tenant):
    make_tenant("acme")
    make_tenant("globex")
    out = StringIO()
    call_command("tenants", "migrate", verbosity=1, stdout=out)
    assert "tenants: none behind" in out.getvalue()
    assert "0 tenant schema(s) migrated, 0 failed" in out.getvalue()


def test_demo_creates_organizations_jobs_and_admins(in_tenant):
    from django.contrib.auth.models import User

    from careers.models import Job

    out = StringIO()
    call_command("demo", stdout=out)
    call_command("demo", stdout=StringIO())  # a second run changes nothing
    assert set(Tenant.objects.values_list("slug", flat=True)) == {"acme", "globex"}
    assert User.objects.filter(username="platform-admin", is_superuser=True).exists()
    for tenant in Tenant.objects.all():
        with in_tenant(tenant):
            assert Job.objects.filter(status="open").count() >= 3
            assert User.objects.filter(username=f"{tenant.slug}-admin", is_staff=True).exists()
    assert "http://acme.tenantry.test/admin/" in out.getvalue()
    assert "acme-admin" in out.getvalue()


def test_an_invite_that_cannot_be_sent_leaves_the_tenant_live_and_prints_the_link(
        settings, caplog, django_capture_on_commit_callbacks):
    import socket

    with socket.socket() as probe:  # a port nothing listens on: the SMTP server is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    out, err = StringIO(), StringIO()
    with caplog.at_level("ERROR", logger="tenants.tasks"), \
            django_capture_on_commit_callbacks(execute=True):  # the e-mail leaves after the commit
        call_command("tenants", "create", "initech", "--name", "Initech", "--admin-email",
                     "bill@initech.example", stdout=out, stderr=err)
    assert "Created Initech" in out.getvalue()
    assert "http://initech.tenantry.test/admin/invite/" in out.getvalue()  # the link, whatever comes
    [failure] = [r for r in caplog.records if r.name == "tenants.tasks"]  # the worker's log line
    assert ("invite e-mail for tenant initech to bill@initech.example not sent after 1 attempts: "
            "[Errno 111] Connection refused") in failure.getMessage()
    assert Tenant.objects.get(slug="initech").status == "active"


def run_in_shell(*args) -> subprocess.CompletedProcess:
    """The command as an operator runs it, against this test run's databases."""
    from tests.pgbouncer.fixtures import server_environment

    env = {**os.environ, **server_environment(None)}
    return subprocess.run([sys.executable, "manage.py", "tenants", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args, message", [
    (["create", "nlco2", "--name", "Newline\nCorp", "--admin-email", "boss@nl.example"],
     "may not contain control characters"),
    (["create", "acme\n", "--name", "Acme"], "may contain only lowercase letters"),
    (["create", "longname", "--name", "N" * 101], "at most 100 are allowed"),
    (["create", "badmail", "--name", "B", "--admin-email", "boss@nl.example\nBcc: x@y.example"],
     "is not a valid e-mail address"),
])
def test_hostile_input_is_one_line_and_exit_1_and_writes_nothing(args, message):
    result = run_in_shell(*args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not Tenant.objects.exists()


def test_an_unexpected_failure_is_one_clear_line_not_a_traceback(monkeypatch):
    from django.db import OperationalError

    from tenants import services

    def broken(**kwargs):
        raise OperationalError("could not connect to server: Connection refused\n\tIs it running?")

    monkeypatch.setattr(services, "tenant_create", broken)
    with pytest.raises(CommandError) as error:
        run("create", "acme", "--name", "Acme")
    assert str(error.value) == ("tenants create failed: OperationalError: could not connect "
                                "to server: Connection refused")


@pytest.mark.django_db(transaction=True, databases="__all__")  # the send follows the real commit
def test_an_invite_that_fails_for_any_reason_leaves_the_tenant_live_and_prints_the_link(monkeypatch):
    from django.core.mail import BadHeaderError

    from tenants import invites

    def refuse(**kwargs):
        raise BadHeaderError("Header values can't contain newlines")

    monkeypatch.setattr(invites, "send_mail", refuse)
    out, err = StringIO(), StringIO()
    call_command("tenants", "create", "nlco3", "--name", "Newline Corp", "--admin-email",
                 "boss@nl.example", stdout=out, stderr=err)
    assert "Created Newline Corp" in out.getvalue()
    assert "could not be sent (Header values can't contain newlines)" in err.getvalue()
    assert "http://nlco3.tenantry.test/admin/invite/" in err.getvalue()
    assert Tenant.objects.get(slug="nlco3").is_active


def test_attach_domain_refuses_hosts_under_the_base_domain_with_one_clear_line(make_tenant):
    make_tenant("acme")
    assert "careers.acme.example now serves acme" in run("attach-domain", "acme", "careers.acme.example")
    with pytest.raises(CommandError) as error:
        run("attach-domain", "acme", "futureco.tenantry.test")
    assert "is under the platform's domain tenantry.test" in str(error.value)
    assert "\n" not in str(error.value)
    assert run("create", "futureco", "--name", "FutureCo").startswith("Created FutureCo")
