"""A live platform for moves: the test's own PostgreSQL servers, gunicorn, and a write load.

Shared by tests/mobility/test_moves.py and bench/move.py.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from tests.pgbouncer.load import Browser
from tests.placement.test_fresh_databases import ROOT

BASE_DOMAIN = "tenantry.test"
MOVER, BYSTANDER = "mover", "bystander"


@dataclass
class Platform:
    env: dict
    servers: dict
    port: int = 0
    slug: str = MOVER
    jobs: dict = field(default_factory=dict)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=600)
        if check:
            assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result

    def placement(self) -> tuple[str, str]:
        rows = json.loads(self.manage("tenants", "list", "--json").stdout)
        row = next(row for row in rows if row["slug"] == self.slug)
        return row["database"], row["status"]

    def schemas(self, alias: str) -> set[str]:
        return {name for (name,) in self.servers[alias].execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%' OR nspname LIKE 'moved%'",
            database="tenantry")}

    def applications(self, alias: str) -> set[str]:
        return {email for (email,) in self.servers[alias].execute(
            f"SELECT email FROM tenant_{self.slug}.careers_application", database="tenantry")}


@dataclass
class Load:
    """Candidates applying to the mover and visitors reading both tenants, until stopped.

    ``pace``: each candidate and visitor waits that long between requests (0: as fast as the
    server answers, which takes every core of a small machine).
    """

    platform: Platform
    pace: float = 0.0
    acknowledged: set[str] = field(default_factory=set)
    refused: list[tuple[float, float]] = field(default_factory=list)  # (start, end) of 503 runs
    leaks: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # answers that are neither yes nor wait
    reads: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self):
        self.run = secrets.token_hex(3)  # every load its own candidates (one application each)
        self.threads = [threading.Thread(target=self.write, args=(n,), daemon=True) for n in range(3)]
        self.threads += [threading.Thread(target=self.read, args=(n,), daemon=True) for n in range(2)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def write(self, number: int) -> None:
        browser, host = Browser(self.platform.port), f"{self.platform.slug}.{BASE_DOMAIN}"
        path = f"/jobs/{self.platform.jobs[self.platform.slug]}/apply/"
        sent, refused_since = 0, None
        while not self.stop.is_set():
            page = browser.request("GET", host, path)
            if page.status != 200:
                self._error(page.status, f"GET {path}")
                continue
            email = f"load{self.run}-{number}-{sent}@example.com"
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
            fields = {"csrfmiddlewaretoken": token, "name": f"Load {number}", "email": email,
                      "cover_letter": "Written while the tenant moves between servers.",
                      "cv_url": "https://cv.example.com/load"}
            sent += 1
            try:
                done = browser.request("POST", host, path, fields)
            except OSError:  # a connection ended by the cut-over: not acknowledged
                browser.close()
                continue
            now = time.monotonic()
            if done.status == 302:
                self.acknowledged.add(email)
                if refused_since is not None:
                    self.refused.append((refused_since, now))
                    refused_since = None
            elif done.status == 503:
                refused_since = refused_since or now
                time.sleep(0.05)
            else:
                self.unexpected.append(f"POST {path} -> {done.status}: {done.body[:300]!r}")
            self.stop.wait(self.pace)

    def read(self, number: int) -> None:
        browser = Browser(self.platform.port)
        while not self.stop.is_set():
            for slug, other in ((MOVER, BYSTANDER), (BYSTANDER, MOVER)):
                page = browser.request("GET", f"{slug}.{BASE_DOMAIN}", "/jobs/")
                self.reads += 1
                if f"Marker-{other}" in page.body:
                    self.leaks.append(f"{slug} showed {other}'s job")
                if page.status != 200:
                    self._error(page.status, f"GET {slug}/jobs/")
                self.stop.wait(self.pace)

    def _error(self, status: int, what: str) -> None:
        if status >= 500 and status != 503:
            self.server_errors.append(f"{status} {what}")

    @property
    def longest_refusal(self) -> float:
        return max((end - start for start, end in self.refused), default=0.0)


