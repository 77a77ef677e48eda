"""deploy/nginx: ``nginx -t`` accepts the rendered site, and through a real nginx Django sees
HTTPS and the tenant's host, trusting X-Forwarded-* only when BEHIND_PROXY=true."""

import http.client
import os
import re
import socket
import ssl
import subprocess
import sys

import pytest
from django.conf import settings

from tests.deploy.nginx import nginx_for_test
from tests.pgbouncer.fixtures import server_environment
from tests.servers import LOCALHOST, REPO


def test_nginx_accepts_the_site_as_deployed(tmp_path):
    nginx = nginx_for_test(directory=tmp_path, base_domain="tenantry.example", upstream="127.0.0.1:8000",
                           static_root=tmp_path / "static", deployed_ports=True)

    result = nginx.check()

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    site = (tmp_path / "tenantry.conf").read_text()
    assert "server_name tenantry.example *.tenantry.example;" in site
    assert "listen [::]:443 ssl http2;" in site and "alias " + str(tmp_path / "static") + "/;" in site


def test_nginx_refuses_a_broken_site(tmp_path):
    """The check above can fail: a site naming no certificate is refused."""
    nginx = nginx_for_test(directory=tmp_path, base_domain="tenantry.example", upstream="127.0.0.1:8000",
                           static_root=tmp_path / "static")
    site = tmp_path / "tenantry.conf"
    site.write_text(site.read_text().replace("ssl_certificate_key", "ssl_certificate_kee"))
    assert nginx.check().returncode != 0


class TLSConnection(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with the tenant's name in SNI (nginx picks the server block by it)."""

    def __init__(self, port: int, server_name: str):
        super().__init__(LOCALHOST, port, timeout=30, context=ssl._create_unverified_context())
        self.server_name = server_name

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.server_name)


def fetch(port: int, host: str, path: str, headers: dict | None = None, tls: bool = True):
    connection = TLSConnection(port, host) if tls else http.client.HTTPConnection(LOCALHOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.live
@pytest.mark.django_db(databases="__all__")
def test_through_nginx_django_serves_each_tenant_over_https(live_tenants, gunicorn_factory, pgbouncer, tmp_path):
    """settings.prod as deployed: behind nginx, in front of pgbouncer, no setting for either."""
    acme, globex = live_tenants[0], live_tenants[1]
    static_root = tmp_path / "static"
    prod = {**server_environment(pgbouncer, "settings.prod"), "BASE_DOMAIN": settings.BASE_DOMAIN,
            "REDIS_URL": settings.CACHES["default"]["LOCATION"], "STATIC_ROOT": str(static_root), "SECRET_KEY": "nginx-test-" + "x" * 40}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO,
                   env={**os.environ, **prod}, check=True, capture_output=True)
    behind = gunicorn_factory(env={**prod, "BEHIND_PROXY": "true"}, workers=1, threads=2)
    exposed = gunicorn_factory(env={**prod, "BEHIND_PROXY": "false"}, workers=1, threads=2)
    nginx = nginx_for_test(directory=tmp_path / "nginx", base_domain=settings.BASE_DOMAIN,
                           upstream=f"{LOCALHOST}:{behind.port}", static_root=static_root)
    nginx.start()
    try:
        # HTTPS ends at nginx; Django trusts its X-Forwarded-Proto (no redirect loop) and Host.
        status, _, body = fetch(nginx.https_port, acme.host, "/jobs/")
        assert status == 200 and acme.marker in body and globex.marker not in body
        # A client's own X-Forwarded-Host is overwritten by nginx, never trusted.
        status, _, body = fetch(nginx.https_port, acme.host, "/jobs/", {"X-Forwarded-Host": globex.host})
        assert status == 200 and acme.marker in body and globex.marker not in body
        # nginx makes the request id (a client's own is replaced); Django returns it.
        _, headers, _ = fetch(nginx.https_port, acme.host, "/jobs/", {"X-Request-ID": "client-made"})
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])
        # Plain HTTP is sent to HTTPS by nginx; static files are nginx's own.
        status, headers, _ = fetch(nginx.http_port, globex.host, "/jobs/?page=1", tls=False)
        assert status == 301 and headers["Location"] == f"https://{globex.host}/jobs/?page=1"
        status, headers, body = fetch(nginx.https_port, acme.host, "/static/admin/css/base.css")
        assert status == 200 and headers["Content-Type"] == "text/css" and "Server" in headers
        # Names that are not ours: no certificate, no answer.
        with pytest.raises(ssl.SSLError):
            fetch(nginx.https_port, "evil.example.org", "/jobs/")
        with pytest.raises(http.client.RemoteDisconnected):
            fetch(nginx.http_port, "evil.example.org", "/jobs/", tls=False)
    finally:
        nginx.stop()

    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": globex.host}
    # BEHIND_PROXY=false: forwarded headers are ignored, HTTP is redirected to HTTPS on the real host.
    status, headers, _ = fetch(exposed.port, acme.host, "/jobs/", forged, tls=False)
    assert status == 301 and headers["Location"] == f"https://{acme.host}/jobs/"
    # BEHIND_PROXY=true: the proxy's headers decide (which is why only nginx may reach gunicorn).
    status, _, body = fetch(behind.port, acme.host, "/jobs/", forged, tls=False)
    assert status == 200 and globex.marker in body and acme.marker not in body
