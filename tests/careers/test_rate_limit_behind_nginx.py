"""Behind the deployed nginx each candidate has a rate-limit bucket of their own: the client's
address is the one nginx appended to X-Forwarded-For (tenancy.client_ip), not nginx's own."""

import http.client
import re
import socket
import ssl
from urllib.parse import urlencode

import pytest
from django.conf import settings

from careers.models import Job
from tenancy import context
from tests.deploy.nginx import nginx_for_test
from tests.pgbouncer.fixtures import server_environment
from tests.servers import LOCALHOST

LIMIT = 5


class FromAddress(http.client.HTTPSConnection):
    """HTTPS to nginx on 127.0.0.1 from a chosen loopback source address, SNI = the tenant."""

    def __init__(self, port: int, server_name: str, source: str):
        super().__init__(LOCALHOST, port, timeout=30, context=ssl._create_unverified_context())
        self.server_name, self.source = server_name, source

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout,
                                       source_address=(self.source, 0))
        self.sock = self._context.wrap_socket(raw, server_hostname=self.server_name)


def apply_from(source: str, port: int, host: str, job_id: int, email: str) -> int:
    """A candidate at ``source``: open the form (CSRF cookie and token), then post it."""
    path = f"/jobs/{job_id}/apply/"
    connection = FromAddress(port, host, source)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({
            "csrfmiddlewaretoken": token, "name": "Casey Candidate", "email": email,
            "cover_letter": "I would very much like to work with you.",
            "cv_url": "https://cv.example.com/casey",
        })
        connection.request("POST", path, body=body, headers={
            "Host": host, "Cookie": cookie, "Referer": f"https://{host}{path}",
            "Content-Type": "application/x-www-form-urlencoded",
        })
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.live
@pytest.mark.django_db(databases="__all__")
def test_seven_candidates_from_seven_addresses_do_not_share_one_bucket(
    live_tenants, gunicorn_factory, tmp_path
):
    acme = live_tenants[0]
    with context.activated(context.scope_for_tenant(acme.tenant)):
        job_id = Job.objects.order_by("pk").values_list("pk", flat=True)[0]
    behind = gunicorn_factory(env={**server_environment(None), "BEHIND_PROXY": "true",
                                   "CAREERS_APPLICATIONS_PER_IP": str(LIMIT)},
                              workers=1, threads=2)
    nginx = nginx_for_test(directory=tmp_path / "nginx", base_domain=settings.BASE_DOMAIN,
                           upstream=f"{LOCALHOST}:{behind.port}", static_root=tmp_path / "static")
    nginx.start()
    try:
        sources = [f"127.0.0.{n}" for n in range(2, 9)]
        statuses = [apply_from(source, nginx.https_port, acme.host, job_id, f"c{n}@example.com")
                    for n, source in enumerate(sources)]
        assert statuses == [302] * 7  # before: [302] * 5 + [429] * 2, every one nginx's 127.0.0.1

        # One address still has its limit: its own accepted applications, then 429.
        again = [apply_from("127.0.0.9", nginx.https_port, acme.host, job_id, f"d{n}@example.com")
                 for n in range(LIMIT + 1)]
        assert again == [302] * LIMIT + [429]
    finally:
        nginx.stop()
