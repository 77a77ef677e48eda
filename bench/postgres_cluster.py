"""A private PostgreSQL 15 server for one benchmark run: its own data directory and free port.

``initdb(directory)`` creates a cluster (trust authentication for ``postgres`` on 127.0.0.1);
``PostgresServer.start(directory, wrapper=callgrind(...))`` runs ``postgres`` on it, under a
wrapper command if given, as the ``postgres`` user when we are root (PostgreSQL refuses root);
``stop()`` is a fast shutdown through ``pg_ctl``, after which every process has exited.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.servers import LOCALHOST, free_port, stop_process, tail

BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
# Quiet background processes: their wake-ups follow the clock, not the requests, and the
# server runs ~50x slower under callgrind. Settings a request's own work depends on stay default.
QUIET = {
    "autovacuum": "off",
    "max_logical_replication_workers": "0",  # no logical replication launcher
    "bgwriter_delay": "10s",
    "wal_writer_delay": "10s",
    "checkpoint_timeout": "1d",
    "huge_pages": "off",  # valgrind does not support them
    "fsync": "off",  # a throwaway cluster; the page writes nothing anyway
}


def owner() -> dict:
    """Run as ``postgres`` when root (PostgreSQL refuses root), else as ourselves."""
    if os.geteuid() != 0:
        return {}
    account = pwd.getpwnam("postgres")
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def give_to_postgres(path: Path) -> None:
    """Hand ``path`` (and what is under it) to the user the server runs as."""
    if os.geteuid() != 0:
        return
    account = pwd.getpwnam("postgres")
    for item in [path, *path.rglob("*")]:
        os.chown(item, account.pw_uid, account.pw_gid, follow_symlinks=False)


def initdb(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    give_to_postgres(directory)
    result = subprocess.run([str(BIN / "initdb"), "-D", str(directory), "-U", "postgres", "--auth=trust",
                             "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                            capture_output=True, text=True, **owner())
    if result.returncode:
        raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")


def copy_cluster(source: Path, target: Path) -> None:
    """A byte-for-byte copy of a stopped cluster, so every run starts from the same state."""
    shutil.copytree(source, target, symlinks=True)
    give_to_postgres(target)
    os.chmod(target, 0o700)


@dataclass
class PostgresServer:
    directory: Path
    port: int
    process: subprocess.Popen
    log: Path

    @classmethod
    def start(cls, directory: Path, *, wrapper: list[str] = (), timeout: float = 600) -> PostgresServer:
        port = free_port()
        log = directory.parent / f"{directory.name}.log"
        settings = {**QUIET, "listen_addresses": LOCALHOST, "port": str(port),
                    "unix_socket_directories": str(directory)}
        command = [*wrapper, str(BIN / "postgres"), "-D", str(directory),
                   *(f"--{key}={value}" for key, value in settings.items())]
        with log.open("ab") as handle:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=handle,
                                       stderr=subprocess.STDOUT, start_new_session=True, **owner())
        server = cls(directory=directory, port=port, process=process, log=log)
        try:
            server._wait_until_ready(timeout)
        except Exception:
            stop_process(process)
            raise
        return server

    def url(self, database: str) -> str:
        return f"postgres://postgres@{LOCALHOST}:{self.port}/{database}"

    def children(self) -> set[int]:
        """The server's processes other than the postmaster (background workers, backends)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(pid) for pid in path.read_text().split()}
        except FileNotFoundError:
            return set()

    def wait_for_children(self, expected: set[int], timeout: float = 120) -> None:
        """Until only ``expected`` children are left (backends of closed connections exit)."""
        deadline = time.monotonic() + timeout
        while self.children() - expected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL backends still running after {timeout}s: "
                                   f"{sorted(self.children() - expected)}")
            time.sleep(0.1)

    def stop(self, timeout: float = 600) -> None:
        """Fast shutdown (backends terminated, shutdown checkpoint), waiting for every process."""
        if self.process.poll() is None:
            subprocess.run([str(BIN / "pg_ctl"), "stop", "-D", str(self.directory), "-m", "fast", "-w",
                            "-t", str(int(timeout))], capture_output=True, **owner())
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            stop_process(self.process)

    def _wait_until_ready(self, timeout: float) -> None:
        # postmaster.pid's eighth line says "ready" once connections are accepted: waiting on
        # it (as pg_ctl does) opens no connection, so no backend is started by the waiting.
        pid_file = self.directory / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.process.returncode}:\n{tail(self.log)}")
            try:
                lines = pid_file.read_text().splitlines()
            except (FileNotFoundError, PermissionError):
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.1)
        raise RuntimeError(f"postgres was not ready in {timeout}s:\n{tail(self.log)}")
