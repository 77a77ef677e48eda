"""The organization's staff admin: CSV export, pipeline actions, interviewer e-mails, permissions."""

import re
from datetime import datetime, timezone as dt_timezone

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connections

from audit.services import audit_deliver_everywhere
from careers.models import Application, ApplicationStatusChange, InterviewFeedback
from tests.careers.factories import ApplicationFactory, JobFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])

CHANGELIST = "/admin/careers/application/"


@pytest.fixture
def signed_in(in_tenant, tenant_client):
    """A client on the tenant's host, signed in as ``user`` (sessions live in the tenant schema)."""

    def sign_in(tenant, user):
        client = tenant_client(tenant)
        with in_tenant(tenant):
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def acme_admin(acme, in_tenant):
    with in_tenant(acme):
        return UserFactory(username="road-runner", is_superuser=True)


@pytest.fixture
def recruiter(acme, in_tenant):
    with in_tenant(acme):
        user = UserFactory(username="rita")
        user.groups.add(Group.objects.get(name="recruiter"))
        return user


def run_action(client, action: str, applications, follow=False):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [a.pk for a in applications]},
                       follow=follow)


def audit_rows(action: str) -> list[tuple]:
    audit_deliver_everywhere()  # what the workers do once the test's transaction would commit
    with connections["audit"].cursor() as cursor:
        cursor.execute("SELECT tenant_slug, actor, action, object_repr FROM audit_auditevent "
                       "WHERE action = %s ORDER BY id", [action])
        return list(cursor.fetchall())


def test_csv_export_is_exact_utf8_with_quoting_and_header_and_is_audited(
    acme, acme_admin, in_tenant, signed_in
):
    at = datetime(2026, 3, 1, 9, 30, tzinfo=dt_timezone.utc)
    with in_tenant(acme):
        job = JobFactory(title="Anvils, Rockets & Co")
        tricky = ApplicationFactory(job=job, name='Zoë "Zed" Ångström, Jr.', email="zoe@example.com",
                                    phone="+46 8 123 45", submitted_at=at,
                                    cv_url="https://cv.example.com/zoë",
                                    cover_letter="Dear Acme,\nI build anvils; \"heavy\" ones.")
        plain = ApplicationFactory(job=job, name="Łukasz Nowak", email="lukasz@example.com",
                                   submitted_at=at.replace(hour=10), interviewer=acme_admin,
                                   status=Application.Status.INTERVIEW, cv_file="cv/0f1e.pdf")
        formula = ApplicationFactory(job=job, name="=HYPERLINK(\"http://evil.example\")",
                                     email="evil@example.com", submitted_at=at.replace(hour=11),
                                     phone="+1+SUM(A1)", cover_letter="@SUM(1+1)*cmd|' /C calc'!A0")
        ApplicationFactory(job=job, name="Not Selected", submitted_at=at.replace(hour=12))

    response = run_action(signed_in(acme, acme_admin), "export_as_csv", [formula, plain, tricky])

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-applications-')
    expected = (
        "\ufeffID,Job,Name,Email,Phone,Status,Submitted at,CV link,CV file,Interviewer,Cover letter\r\n"
        f'{tricky.pk},"Anvils, Rockets & Co","Zoë ""Zed"" Ångström, Jr.",zoe@example.com,'
        "+46 8 123 45,New,2026-03-01T09:30:00+00:00,https://cv.example.com/zoë,no,,"
        '"Dear Acme,\nI build anvils; ""heavy"" ones."\r\n'
        f'{plain.pk},"Anvils, Rockets & Co",Łukasz Nowak,lukasz@example.com,,Interview,'
        "2026-03-01T10:30:00+00:00,https://cv.example.com/me,yes,road-runner,I would like to work with you.\r\n"
        f'{formula.pk},"Anvils, Rockets & Co","\'=HYPERLINK(""http://evil.example"")",'
        "evil@example.com,'+1+SUM(A1),New,2026-03-01T11:30:00+00:00,https://cv.example.com/me,no,,"
        "'@SUM(1+1)*cmd|' /C calc'!A0\r\n"
    )
    assert response.content == expected.encode("utf-8")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark
    assert audit_rows("applications.exported") == [
        ("acme", "road-runner", "applications.exported",
         f"3 application(s): ids {tricky.pk}, {plain.pk}, {formula.pk}")
    ]


@pytest.mark.parametrize(("value", "written"), [
    ("+44 20 7946 0000", "+44 20 7946 0000"),  # a phone number stays readable
    ("-5", "'-5"), ("+1-2", "'+1-2"), ("=1+2", "'=1+2"), ("@A1", "'@A1"),
    ("\tcmd", "'\tcmd"), ("\r=1", "'\r=1"), ("+44 (0)20 x", "'+44 (0)20 x"), ("Ana", "Ana"),
])
def test_csv_defuses_only_formula_like_cells_that_are_not_phone_numbers(value, written):
    from careers.exports import _cell

    assert _cell(value) == written


def test_move_action_changes_status_and_records_who_and_when(acme, recruiter, in_tenant, signed_in):
    with in_tenant(acme):
        moving = [ApplicationFactory(), ApplicationFactory()]
        already = ApplicationFactory(status=Application.Status.SCREENING)
        untouched = ApplicationFactory()

    response = run_action(signed_in(acme, recruiter), "move_to_screening", [*moving, already],
                          follow=True)

    assert response.status_code == 200 and b"Moved 2 application(s) to Screening." in response.content
    with in_tenant(acme):
        statuses = dict(Application.objects.values_list("pk", "status"))
        history = list(ApplicationStatusChange.objects.order_by("application_id").values_list(
            "application_id", "from_status", "to_status", "changed_by__username"))
    assert [statuses[a.pk] for a in (*moving, already, untouched)] == [
        "screening", "screening", "screening", "new"]
    assert history == [(moving[0].pk, "new", "screening", "rita"),
                       (moving[1].pk, "new", "screening", "rita")]
    assert audit_rows("applications.status_moved") == [
        ("acme", "rita", "applications.status_moved", "2 application(s) to screening")]


def test_changing_the_status_in_the_form_is_recorded_too(acme, acme_admin, in_tenant, signed_in):
    with in_tenant(acme):
        application = ApplicationFactory()
    client = signed_in(acme, acme_admin)
    url = f"{CHANGELIST}{application.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and application.name.encode() in page.content
    # A new feedback row names the signed-in staff member as its interviewer unless changed.
    empty_feedback = page.context["inline_admin_formsets"][0].formset.empty_form
    assert empty_feedback["interviewer"].value() == acme_admin.pk

    response = client.post(url, {
        "status": "interview", "interviewer": acme_admin.pk,
        "feedback-TOTAL_FORMS": 1, "feedback-INITIAL_FORMS": 0,
        "feedback-0-interviewer": acme_admin.pk, "feedback-0-score": 4, "feedback-0-notes": "Sharp.",
        "status_changes-TOTAL_FORMS": 0, "status_changes-INITIAL_FORMS": 0,
    })

    assert response.status_code == 302, response.context["errors"]
    with in_tenant(acme):
        application.refresh_from_db()
        changes = list(application.status_changes.values_list("from_status", "to_status",
                                                              "changed_by__username"))
        feedback = list(InterviewFeedback.objects.values_list("interviewer__username", "score", "notes"))
    assert (application.status, application.interviewer_id) == ("interview", acme_admin.pk)
    assert changes == [("new", "interview", "road-runner")]
    assert feedback == [("road-runner", 4, "Sharp.")]


def test_feedback_score_must_be_1_to_5(acme, recruiter, in_tenant, signed_in):
    with in_tenant(acme):
        application = ApplicationFactory()
    client = signed_in(acme, recruiter)
    for score, saved in ((6, False), (0, False), (5, True)):
        response = client.post("/admin/careers/interviewfeedback/add/", {
            "application": application.pk, "interviewer": recruiter.pk, "score": score, "notes": ""})
        assert (response.status_code == 302) is saved
        if not saved:
            assert response.context["adminform"].form.errors["score"]
    with in_tenant(acme):
        assert list(InterviewFeedback.objects.values_list("score", flat=True)) == [5]


def test_notify_interviewer_emails_each_assigned_interviewer(acme, acme_admin, in_tenant, signed_in):
    with in_tenant(acme):
        interviewer = UserFactory(username="ivan", email="ivan@acme.example", first_name="Ivan")
        assigned = ApplicationFactory(name="Wile Coyote", interviewer=interviewer)
        unassigned = ApplicationFactory()

    response = run_action(signed_in(acme, acme_admin), "notify_interviewer", [assigned, unassigned],
                          follow=True)

    assert [m.to for m in mail.outbox] == [["ivan@acme.example"]]
    message = mail.outbox[0]
    assert message.subject == f"Interview: Wile Coyote for {assigned.job.title}"
    assert "Hello Ivan," in message.body
    assert f"http://acme.tenantry.test/admin/careers/application/{assigned.pk}/change/" in message.body
    body = response.content.decode()
    assert "E-mailed the interviewer of 1 application(s)." in body
    assert "1 application(s) have no interviewer with an e-mail address" in body


def test_a_recruiter_manages_applications_but_not_staff_users(acme, acme_admin, recruiter, in_tenant,
                                                              signed_in):
    with in_tenant(acme):
        application = ApplicationFactory()
    client = signed_in(acme, recruiter)

    for path in ("/admin/auth/user/", f"/admin/auth/user/{acme_admin.pk}/change/",
                 "/admin/auth/user/add/", "/admin/auth/group/"):
        assert client.get(path).status_code == 403, path
    assert b"/admin/auth/" not in client.get("/admin/").content
    for path in (CHANGELIST, f"{CHANGELIST}{application.pk}/change/", "/admin/careers/job/add/",
                 "/admin/careers/interviewfeedback/add/"):
        assert client.get(path).status_code == 200, path
    jobs = client.get("/admin/careers/job/")
    assert jobs.status_code == 200
    assert [job.application_count for job in jobs.context["cl"].result_list] == [1]

    # The organization's admin manages everything, staff users included.
    admin_client = signed_in(acme, acme_admin)
    for path in ("/admin/auth/user/", f"/admin/auth/user/{recruiter.pk}/change/", CHANGELIST):
        assert admin_client.get(path).status_code == 200, path


def test_the_recruiter_group_exists_in_every_new_organization(make_tenant, in_tenant):
    for tenant in (make_tenant(), make_tenant()):
        with in_tenant(tenant):
            permissions = set(Group.objects.get(name="recruiter").permissions.values_list(
                "content_type__app_label", "codename"))
        assert ("careers", "change_application") in permissions
        assert {app for app, _ in permissions} == {"careers"}  # nothing on users or groups


def test_staff_opt_in_for_themselves_only_the_admin_sets_it_for_others(
    acme, acme_admin, recruiter, in_tenant, signed_in
):
    from careers.models import NotificationPreference

    url = "/admin/careers/notificationpreference/add/"
    client = signed_in(acme, recruiter)
    refused = client.post(url, {"user": acme_admin.pk, "new_applications": "on"})
    assert refused.status_code == 200 and "user" in refused.context["adminform"].form.errors
    assert client.post(url, {"user": recruiter.pk, "new_applications": "on"}).status_code == 302

    admin_client = signed_in(acme, acme_admin)
    assert admin_client.post(url, {"user": acme_admin.pk, "new_applications": "on"}).status_code == 302
    with in_tenant(acme):
        assert sorted(NotificationPreference.objects.values_list("user__username", flat=True)) == [
            "rita", "road-runner"]
        admins_preference = NotificationPreference.objects.get(user=acme_admin).pk
    # The recruiter sees and edits only their own.
    listing = client.get("/admin/careers/notificationpreference/").content.decode()
    assert "rita" in listing and "road-runner" not in listing
    assert client.get(f"/admin/careers/notificationpreference/{admins_preference}/change/").status_code == 302


def test_a_new_job_is_open_unless_chosen_otherwise_and_the_form_says_what_draft_means(
    acme, acme_admin, in_tenant, signed_in, tenant_client
):
    client = signed_in(acme, acme_admin)
    form = client.get("/admin/careers/job/add/").content.decode()
    assert re.search(r'<input type="radio" name="status" value="open"[^>]*checked', form)
    assert not re.search(r'<input type="radio" name="status" value="draft"[^>]*checked', form)
    assert "A draft is not published" in form

    client.post("/admin/careers/job/add/", {
        "title": "Anvil Tester", "employment_type": "full_time", "status": "open",
        "published_at_0": "2026-03-01", "published_at_1": "09:00:00", "description": "",
    })
    assert b"Anvil Tester" in tenant_client(acme).get("/jobs/").content
