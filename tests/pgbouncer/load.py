"""Concurrent clients against a running server, checking every response for other tenants' data.

Each client signs in to every tenant's staff admin, then mixes public reads (``/jobs/``), admin
changelists and searches, and job creation through the admin (a write in a transaction with
its LogEntry). A response is a leak when it contains another tenant's marker, wrong when it
lacks its own, and every 5xx is counted.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from tests.servers import LOCALHOST


@dataclass
class Response:
    status: int
    body: str
    location: str = ""


class Browser:
    """One client: a keep-alive HTTP/1.1 connection, cookies kept per host."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, SimpleCookie] = {}

    def request(self, method: str, host: str, path: str, form: dict | None = None) -> Response:
        jar = self.cookies.setdefault(host, SimpleCookie())
        headers = {"Host": host}
        if jar:
            headers["Cookie"] = "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(LOCALHOST, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection; retrying is safe only for GET.
                self.close()
                if method != "GET" or attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Response(response.status, text, response.getheader("Location", ""))

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with ``form_id``, with their defaults."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or not attrs.get("name") and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields[attrs["name"]] = attrs.get("value", "on")
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select:
            if "selected" in attrs or self._select not in self.fields:
                self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_fields(html: str, form_id: str) -> dict:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser.fields


@dataclass
class LoadReport:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    leaks: list[str] = field(default_factory=list)  # another tenant's data in a response
    wrong: list[str] = field(default_factory=list)  # own data missing (served from elsewhere)
    server_errors: list[str] = field(default_factory=list)  # 5xx
    writes: Counter = field(default_factory=Counter)  # jobs created, per tenant slug
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def summary(self) -> str:
        return (f"{self.requests} requests, statuses {dict(sorted(self.statuses.items()))}, "
                f"{len(self.leaks)} with another tenant's data, {len(self.wrong)} without their own, "
                f"{len(self.server_errors)} 5xx; mix {dict(self.kinds)}")


class Client(threading.Thread):
    def __init__(self, number: int, port: int, tenants: list, quota: int, report: LoadReport, password: str):
        super().__init__(name=f"load-client-{number}", daemon=True)
        self.number, self.tenants, self.quota, self.report = number, tenants, quota, report
        self.password = password
        self.browser = Browser(port)
        self.random = random.Random(number)
        self.sent = 0
        self.failure: BaseException | None = None

    def run(self):
        try:
            for tenant in self.tenants:
                self.sign_in(tenant)
            actions = [self.job_list] * 7 + [self.job_changelist] * 5 + [self.job_search] * 2 \
                + [self.user_changelist] * 2 + [self.admin_index] * 2 + [self.job_add] * 2
            while self.sent < self.quota:
                self.random.choice(actions)(self.random.choice(self.tenants))
        except BaseException as error:  # surfaced by the caller
            self.failure = error
        finally:
            self.browser.close()

    def get(self, tenant, path: str, kind: str, own: bool = True, form: dict | None = None) -> Response:
        response = self.browser.request("POST" if form is not None else "GET", tenant.host, path, form)
        self.sent += 1
        others = [other.marker for other in self.tenants if other is not tenant and other.marker in response.body]
        where = f"{kind} {tenant.host}{path} -> {response.status}"
        with self.report.lock:
            self.report.requests += 1
            self.report.statuses[response.status] += 1
            self.report.kinds[kind] += 1
            if response.status >= 500:
                self.report.server_errors.append(f"{where}: {response.body[:300]!r}")
            if others:
                self.report.leaks.append(f"{where} shows {others}")
            elif own and response.status == 200 and tenant.marker not in response.body:
                self.report.wrong.append(f"{where} lacks {tenant.marker}")
        return response

    def sign_in(self, tenant) -> None:
        page = self.get(tenant, "/admin/login/?next=/admin/", "sign-in", own=False)
        token = form_fields(page.body, "login-form").get("csrfmiddlewaretoken", "")
        done = self.get(tenant, "/admin/login/?next=/admin/", "sign-in", own=False, form={
            "csrfmiddlewaretoken": token, "username": tenant.staff_username,
            "password": self.password, "next": "/admin/"})
        if done.status < 500 and done.status != 302:  # 5xx are counted already
            with self.report.lock:  # the staff user was looked up somewhere else
                self.report.wrong.append(f"signing in to {tenant.host} answered {done.status}")

    def job_list(self, tenant):
        self.get(tenant, "/jobs/", "jobs")

    def job_changelist(self, tenant):
        self.get(tenant, "/admin/careers/job/", "admin-jobs")

    def job_search(self, tenant):
        self.get(tenant, "/admin/careers/job/?q=seeded", "admin-search")

    def user_changelist(self, tenant):
        self.get(tenant, "/admin/auth/user/", "admin-users")

    def admin_index(self, tenant):
        self.get(tenant, "/admin/", "admin-index", own=False)

    def job_add(self, tenant):
        page = self.get(tenant, "/admin/careers/job/add/", "admin-add", own=False)
        if page.status != 200:
            return
        fields = form_fields(page.body, "job_form")
        fields.update(title=f"{tenant.marker} written {self.number}-{self.sent}", _save="Save")
        if "status" in fields:
            fields["status"] = "open"
        done = self.get(tenant, "/admin/careers/job/add/", "admin-write", own=False, form=fields)
        if done.status == 302:
            with self.report.lock:
                self.report.writes[tenant.tenant.slug] += 1
        elif done.status < 500:
            errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', done.body, re.S)
            with self.report.lock:
                self.report.wrong.append(f"job creation on {tenant.host} answered {done.status}: {errors}")


def run_load(*, port: int, tenants: list, password: str, clients: int = 12, requests: int = 3000) -> LoadReport:
    report = LoadReport()
    quota = -(-requests // clients)
    threads = [Client(number, port, tenants, quota, report, password) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures = [thread.failure for thread in threads if thread.failure is not None]
    if failures:
        raise failures[0]
    return report
