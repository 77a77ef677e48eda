"""Tenant files through a real nginx: a candidate uploads a CV, the staff download it through
the ``internal`` location Django hands it to (X-Accel-Redirect), nobody reaches that location
directly, and nginx refuses a body larger than the form could take."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings

from careers.models import Application, Job
from tenancy import context
from tests.careers.documents import pdf_bytes
from tests.deploy.nginx import nginx_for_test
from tests.deploy.test_nginx import TLSConnection
from tests.pgbouncer.fixtures import STAFF_PASSWORD, server_environment
from tests.servers import LOCALHOST

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """Just enough of a browser for HTTPS to nginx: one host, its cookies, CSRF tokens."""

    def __init__(self, port: int, host: str):
        self.port, self.host, self.cookies = port, host, {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = TLSConnection(self.port, self.host)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        sent = {"Host": self.host, "Origin": f"https://{self.host}", "Referer": f"https://{self.host}{path}",
                **({"Cookie": cookie} if cookie else {}), **(headers or {})}
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content

    def form_token(self, path: str) -> str:
        status, _, content = self.request("GET", path)
        assert status == 200, (path, status)
        return TOKEN.search(content.decode()).group(1)

    def post_multipart(self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]):
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        for name, (filename, content) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                         + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, body,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def sign_in(self, username: str, password: str) -> None:
        token = self.form_token("/admin/login/")
        status, headers, content = self.request(
            "POST", "/admin/login/", f"csrfmiddlewaretoken={token}&username={username}&password={password}"
            "&next=/admin/".encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302 and headers["location"] == "/admin/", re.findall(r'class="errornote">([^<]+)', content.decode())


def files_under(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_nginx_accepts_the_internal_files_location_as_deployed(tmp_path):
    nginx = nginx_for_test(directory=tmp_path, base_domain="tenantry.example", upstream="127.0.0.1:8000",
                           static_root=tmp_path / "static", media_root=tmp_path / "media",
                           deployed_ports=True)

    result = nginx.check()

    assert result.returncode == 0, result.stderr
    site = (tmp_path / "tenantry.conf").read_text()
    location = re.search(r"location /_tenant_files/ \{([^}]*)\}", site).group(1)
    assert location.split() == ["internal;", "alias", f"{tmp_path / 'media'}/;"]
    assert "client_max_body_size 11m;" in site
    assert "/media" not in site.replace(str(tmp_path / "media"), "")  # no public media location


@pytest.mark.live
@pytest.mark.django_db(databases="__all__")
def test_through_nginx_staff_get_the_cv_from_the_internal_location_and_nobody_else_does(
    live_tenants, gunicorn_factory, pgbouncer, tmp_path
):
    acme, globex = live_tenants[0], live_tenants[1]
    media = tmp_path / "media"
    # settings.test: its password hasher is the one the live tenants' staff were created with.
    environment = {**server_environment(pgbouncer), "BEHIND_PROXY": "true", "MEDIA_ROOT": str(media),
                   "TENANT_FILES_X_ACCEL_REDIRECT": "/_tenant_files/"}
    server = gunicorn_factory(env=environment, workers=1, threads=2)
    nginx = nginx_for_test(directory=tmp_path / "nginx", base_domain=settings.BASE_DOMAIN,
                           upstream=f"{LOCALHOST}:{server.port}", static_root=tmp_path / "static",
                           media_root=media)
    with context.activated(context.scope_for_tenant(acme.tenant)):
        job_id = Job.objects.filter(status=Job.Status.OPEN).values_list("pk", flat=True).first()
    apply_path = f"/jobs/{job_id}/apply/"
    cv = pdf_bytes(f"{acme.marker} curriculum vitae")
    nginx.start()
    try:
        # A candidate applies with a PDF: stored by gunicorn under acme's folder, generated name.
        candidate = Browser(nginx.https_port, acme.host)
        token = candidate.form_token(apply_path)
        status, headers, _ = candidate.post_multipart(apply_path, {
            "csrfmiddlewaretoken": token, "name": "Wile E. Coyote", "email": "wile@example.com",
            "cover_letter": "Rockets, anvils and a great deal of patience."},
            {"cv_file": ("Wile Coyote.pdf", cv)})
        assert status == 302 and headers["location"] == f"{apply_path}thanks/", status
        schema = acme.tenant.schema_name
        [stored] = files_under(media)
        assert re.fullmatch(rf"{schema}/cv/[0-9a-f]{{32}}\.pdf", stored)
        with context.activated(context.scope_for_tenant(acme.tenant)):
            application = Application.objects.get(email="wile@example.com")
        cv_path = f"/staff/applications/{application.pk}/cv/"

        # Acme's staff: nginx sends the bytes from the internal location.
        staff = Browser(nginx.https_port, acme.host)
        staff.sign_in(acme.staff_username, STAFF_PASSWORD)
        status, headers, content = staff.request("GET", cv_path)
        assert status == 200 and content == cv
        assert headers["content-disposition"] == f'attachment; filename="cv-application-{application.pk}.pdf"'
        assert headers["content-type"] == "application/pdf"
        assert headers["cache-control"] == "private, no-store"
        assert "x-accel-redirect" not in headers  # nginx consumed it

        # Nobody else: anonymous, another tenant's signed-in staff, the internal path asked directly.
        assert Browser(nginx.https_port, acme.host).request("GET", cv_path)[0] == 404
        other = Browser(nginx.https_port, globex.host)
        other.sign_in(globex.staff_username, STAFF_PASSWORD)
        assert other.request("GET", cv_path)[0] == 404
        for host in (acme.host, globex.host, settings.BASE_DOMAIN):
            for guess in (f"/_tenant_files/{stored}", f"/media/{stored}", f"/{stored}"):
                assert Browser(nginx.https_port, host).request("GET", guess)[0] == 404, (host, guess)
        assert staff.request("GET", f"/_tenant_files/{stored}")[0] == 404

        # Larger than the form could take: nginx answers 413 and nothing reaches the disk.
        token = candidate.form_token(apply_path)
        status, _, _ = candidate.post_multipart(apply_path, {
            "csrfmiddlewaretoken": token, "name": "Big File", "email": "big@example.com",
            "cover_letter": "A very large curriculum vitae indeed."},
            {"cv_file": ("big.pdf", cv + b"%" * (12 * 1024 * 1024))})
        assert status == 413
        assert files_under(media) == [stored]
    finally:
        nginx.stop()
