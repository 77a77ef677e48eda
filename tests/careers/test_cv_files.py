"""CV files: uploaded with the application, checked by content, stored under the tenant's
prefix with a generated name, downloaded only by that organization's staff, gone with the row."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction

from audit.services import audit_deliver_everywhere
from careers.models import Application
from careers.uploads import BoundedTemporaryFileUploadHandler
from tests.careers.documents import docx_bytes, odt_bytes, pdf_bytes, zip_bytes
from tests.careers.factories import ApplicationFactory, JobFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(databases=["default", "audit"])

FORM = {
    "name": "Wile E. Coyote",
    "email": "wile@example.com",
    "cover_letter": "I have years of experience with rockets and anvils.",
}
STORED_NAME = re.compile(r"^cv/[0-9a-f]{32}\.(pdf|docx|odt)$")


def upload(content: bytes, name: str = "Wile Coyote CV.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def files_under(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def apply(client, job, cv_file, **fields):
    return client.post(f"/jobs/{job.pk}/apply/", {**FORM, **fields, "cv_file": cv_file})


@pytest.fixture
def staff_client(in_tenant, tenant_client):
    """A client on the tenant's host signed in as a staff user with ``perms``."""

    def make(tenant, perms=("view_application",), username="recruiter@example.com"):
        with in_tenant(tenant):
            user = UserFactory(username=username, perms=list(perms))
        client = tenant_client(tenant)
        with in_tenant(tenant):
            client.force_login(user)
        return client

    return make


@pytest.fixture
def acme_cv(acme, in_tenant, tenant_client, media_root):
    """An application on acme with a real PDF uploaded through the portal."""
    with in_tenant(acme):
        job = JobFactory(title="Anvil Tester")
    content = pdf_bytes()
    response = apply(tenant_client(acme), job, upload(content))
    assert response.status_code == 302, response.context["form"].errors
    with in_tenant(acme):
        application = Application.objects.get()
    return application, content


def audit_rows(action: str) -> list[tuple]:
    audit_deliver_everywhere()  # what the workers do once the test's transaction would commit
    with connections["audit"].cursor() as cursor:
        cursor.execute("SELECT tenant_slug, actor, object_repr FROM audit_auditevent "
                       "WHERE action = %s ORDER BY id", [action])
        return list(cursor.fetchall())


# --- upload -------------------------------------------------------------------------------


def test_a_pdf_is_stored_under_the_tenant_with_a_generated_name(acme, acme_cv, media_root):
    application, content = acme_cv

    assert STORED_NAME.match(application.cv_file.name), application.cv_file.name
    assert application.cv_url == ""  # the link is optional when a file comes
    assert files_under(media_root) == [f"tenant_acme/{application.cv_file.name}"]
    assert (media_root / "tenant_acme" / application.cv_file.name).read_bytes() == content
    assert "Wile" not in application.cv_file.name and "Coyote" not in application.cv_file.name


@pytest.mark.parametrize(("content", "uploaded_as", "stored_as"), [
    (docx_bytes(), "cv.docx", "docx"),
    (odt_bytes(), "cv.odt", "odt"),
    (docx_bytes(), "résumé.pdf", "docx"),  # the content decides, not the name
])
def test_docx_and_odt_are_accepted_by_their_content(acme, in_tenant, tenant_client, media_root,
                                                    content, uploaded_as, stored_as):
    with in_tenant(acme):
        job = JobFactory()
    response = apply(tenant_client(acme), job, upload(content, uploaded_as, "application/pdf"))

    assert response.status_code == 302
    with in_tenant(acme):
        name = Application.objects.get().cv_file.name
    assert STORED_NAME.match(name) and name.endswith("." + stored_as)
    assert (media_root / "tenant_acme" / name).read_bytes() == content


@pytest.mark.parametrize(("content", "name"), [
    (b"Just some text, honestly a PDF.\n" * 20, "cv.pdf"),  # a renamed text file
    (zip_bytes(), "cv.docx"),  # a ZIP with no document in it
    (b"PK\x03\x04" + b"\x00" * 200, "cv.odt"),  # a ZIP signature and nothing behind it
    (b"MZ\x90\x00" + b"\x00" * 200, "cv.pdf"),  # a program
])
def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_stored(
    acme, in_tenant, tenant_client, media_root, content, name
):
    with in_tenant(acme):
        job = JobFactory()
    response = apply(tenant_client(acme), job, upload(content, name), cv_url="https://cv.example.com/me")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["cv_file"]
    assert "This file is not a PDF, DOCX or ODT document" in errors["cv_file"][0]
    assert "This file is not a PDF, DOCX or ODT document" in response.content.decode()
    with in_tenant(acme):
        assert Application.objects.count() == 0
    assert files_under(media_root) == []


def test_an_11_mb_file_is_refused_without_being_stored(acme, in_tenant, tenant_client, media_root):
    with in_tenant(acme):
        job = JobFactory()
    eleven_mb = pdf_bytes() + b"%" * (11 * 1024 * 1024)

    response = apply(tenant_client(acme), job, upload(eleven_mb))

    assert response.status_code == 200
    message = response.context["form"].errors["cv_file"][0]
    assert message == "Your file is 11.0\xa0MB; the largest CV we accept is 10.0\xa0MB."
    assert "the largest CV we accept is 10.0\xa0MB" in response.content.decode()
    with in_tenant(acme):
        assert Application.objects.count() == 0
    assert files_under(media_root) == []


def test_the_size_limit_is_a_setting(acme, in_tenant, tenant_client, media_root, settings):
    settings.CAREERS_CV_MAX_SIZE = 1000
    with in_tenant(acme):
        job = JobFactory()
    response = apply(tenant_client(acme), job, upload(pdf_bytes() + b"%" * 1000))
    assert "the largest CV we accept is 1000\xa0bytes" in response.context["form"].errors["cv_file"][0]
    assert "up to 1000\xa0bytes" in response.content.decode()


def test_an_upload_stops_growing_on_disk_past_the_limit(settings):
    """Without nginx in front, a huge body still keeps at most limit + 1 bytes on disk."""
    settings.CAREERS_CV_MAX_SIZE = 1000
    handler = BoundedTemporaryFileUploadHandler()
    handler.new_file("cv_file", "big.pdf", "application/pdf", None)
    for start in range(0, 5000, 400):
        handler.receive_data_chunk(b"x" * 400, start)
    uploaded = handler.file_complete(5200)

    assert uploaded.size == 5200  # the form sees the true size and refuses it
    uploaded.seek(0, 2)
    assert uploaded.tell() == 1001
    uploaded.close()


def test_without_file_or_link_the_form_asks_for_one(acme, in_tenant, tenant_client, media_root):
    with in_tenant(acme):
        job = JobFactory()
    response = tenant_client(acme).post(f"/jobs/{job.pk}/apply/", FORM)

    assert response.context["form"].errors == {"cv_file": ["Upload your CV, or give a link to it below."]}
    with in_tenant(acme):
        assert Application.objects.count() == 0


def test_the_form_is_multipart_and_names_the_formats(acme, in_tenant, tenant_client):
    with in_tenant(acme):
        job = JobFactory()
    body = tenant_client(acme).get(f"/jobs/{job.pk}/apply/").content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert 'type="file" name="cv_file"' in body and "PDF, DOCX or ODT, up to 10.0\xa0MB." in body


def test_a_duplicate_application_leaves_no_file_behind(acme, acme_cv, in_tenant, tenant_client,
                                                       media_root):
    application, _ = acme_cv
    with in_tenant(acme):
        job = application.job
    response = apply(tenant_client(acme), job, upload(pdf_bytes("again")))

    assert b"You have already applied for this job" in response.content
    assert files_under(media_root) == [f"tenant_acme/{application.cv_file.name}"]


# --- download -----------------------------------------------------------------------------


def test_staff_download_the_cv_byte_for_byte_and_the_download_is_audited(acme, acme_cv, staff_client):
    application, content = acme_cv
    client = staff_client(acme)

    response = client.get(f"/staff/applications/{application.pk}/cv/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="cv-application-{application.pk}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert audit_rows("application.cv_downloaded") == [
        ("acme", "recruiter@example.com", f"application {application.pk}: Wile E. Coyote")]


def test_the_application_admin_page_links_to_the_cv(acme, acme_cv, in_tenant, tenant_client):
    application, _ = acme_cv
    with in_tenant(acme):
        admin = UserFactory(username="boss", is_superuser=True)
    client = tenant_client(acme)
    with in_tenant(acme):
        client.force_login(admin)

    page = client.get(f"/admin/careers/application/{application.pk}/change/").content.decode()

    assert f'<a href="/staff/applications/{application.pk}/cv/">Download the CV</a>' in page
    assert application.cv_file.name not in page  # never the storage's name


def test_anyone_else_gets_404(acme, globex, acme_cv, in_tenant, tenant_client, platform_client,
                              staff_client, media_root):
    application, _ = acme_cv
    url = f"/staff/applications/{application.pk}/cv/"
    with in_tenant(globex):
        JobFactory()  # globex has jobs but no application with this id

    # Anonymous visitors: a 404, not a sign-in page that would confirm the URL.
    assert tenant_client(acme).get(url).status_code == 404
    # Acme staff who may not view applications.
    assert staff_client(acme, perms=(), username="intern@example.com").get(url).status_code == 404
    # Globex's staff, on their own host (no such application there) and with their session on acme's.
    globex_staff = staff_client(globex, perms=("view_application",), username="globex@example.com")
    assert globex_staff.get(url).status_code == 404
    session = globex_staff.cookies["sessionid"].value
    acme_with_globex_session = tenant_client(acme)
    acme_with_globex_session.cookies["sessionid"] = session
    assert acme_with_globex_session.get(url).status_code == 404
    # Acme staff themselves: an application without a file, or no application at all.
    acme_staff = staff_client(acme)
    with in_tenant(acme):
        without_file = ApplicationFactory(job=application.job)
    assert acme_staff.get(f"/staff/applications/{without_file.pk}/cv/").status_code == 404
    assert acme_staff.get(f"/staff/applications/{application.pk + 1000}/cv/").status_code == 404
    assert acme_staff.get(url).status_code == 200


def test_the_stored_path_is_not_served_on_any_host(acme, globex, acme_cv, tenant_client,
                                                   platform_client, staff_client):
    application, _ = acme_cv
    name = application.cv_file.name
    guesses = [f"/media/tenant_acme/{name}", f"/media/{name}", f"/tenant_acme/{name}", f"/{name}",
               f"/_tenant_files/tenant_acme/{name}", f"/static/../tenant_acme/{name}"]
    clients = [tenant_client(acme), staff_client(acme), tenant_client(globex), platform_client]
    for client in clients:
        for guess in guesses:
            assert client.get(guess).status_code == 404, (client.defaults["HTTP_HOST"], guess)


def test_behind_nginx_django_hands_the_file_to_the_internal_location(acme, acme_cv, staff_client,
                                                                     settings):
    settings.TENANT_FILES_X_ACCEL_REDIRECT = "/_tenant_files/"
    application, _ = acme_cv

    response = staff_client(acme).get(f"/staff/applications/{application.pk}/cv/")

    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_tenant_files/tenant_acme/{application.cv_file.name}"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="cv-application-{application.pk}.pdf"'


# --- the file follows the row -------------------------------------------------------------


def test_deleting_the_application_deletes_its_file_on_commit(acme, acme_cv, in_tenant, media_root,
                                                             django_capture_on_commit_callbacks):
    application, _ = acme_cv
    stored = media_root / "tenant_acme" / application.cv_file.name
    with in_tenant(acme):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            Application.objects.filter(pk=application.pk).delete()
        assert stored.exists()  # not before the commit
        for callback in callbacks:
            callback()
    assert not stored.exists()


def test_a_rolled_back_deletion_keeps_the_file(acme, acme_cv, in_tenant, media_root,
                                               django_capture_on_commit_callbacks):
    application, _ = acme_cv
    pk, stored = application.pk, media_root / "tenant_acme" / application.cv_file.name
    with in_tenant(acme), django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            application.delete()
            raise RuntimeError("changed my mind")
    assert callbacks == [] and stored.exists()
    with in_tenant(acme):
        assert Application.objects.filter(pk=pk).exists()


def test_the_admin_deleting_applications_deletes_their_files(acme, acme_cv, in_tenant, tenant_client,
                                                             media_root, django_capture_on_commit_callbacks):
    application, _ = acme_cv
    with in_tenant(acme):
        other = ApplicationFactory(job=application.job)
        admin = UserFactory(username="boss", is_superuser=True)
    client = tenant_client(acme)
    with in_tenant(acme):
        client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/careers/application/", {
            "action": "delete_selected", "post": "yes", "_selected_action": [application.pk, other.pk]})

    assert response.status_code == 302
    with in_tenant(acme):
        assert Application.objects.count() == 0
    assert files_under(media_root) == []


def test_csv_export_says_whether_a_cv_file_is_attached(acme, acme_cv, in_tenant, tenant_client):
    application, _ = acme_cv
    with in_tenant(acme):
        linked = ApplicationFactory(job=application.job)
        admin = UserFactory(username="boss", is_superuser=True)
    client = tenant_client(acme)
    with in_tenant(acme):
        client.force_login(admin)

    response = client.post("/admin/careers/application/", {
        "action": "export_as_csv", "_selected_action": [application.pk, linked.pk]})

    rows = [line.split(",") for line in response.content.decode().splitlines()]
    column = rows[0].index("CV file")
    assert {row[0]: row[column] for row in rows[1:]} == {str(application.pk): "yes", str(linked.pk): "no"}

