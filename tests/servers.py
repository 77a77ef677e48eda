"""Real servers as subprocesses: pgbouncer from ``deploy/pgbouncer/pgbouncer.ini`` and gunicorn
from ``deploy/gunicorn.conf.py``, each on a free port of 127.0.0.1, each stopped by its owner.

Used by the live, pgbouncer and deploy tests and by the benchmarks (``bench/``).
"""

from __future__ import annotations

import configparser
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
PGBOUNCER_INI = REPO / "deploy" / "pgbouncer" / "pgbouncer.ini"
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"
LOCALHOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCALHOST, 0))
        return sock.getsockname()[1]


def wait_until_listening(port: int, process: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}:\n{tail(log)}")
        try:
            with socket.create_connection((LOCALHOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{process.args[0]} did not listen on {port} in {timeout}s:\n{tail(log)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        text = ""
    stderr = path.with_name("stderr.log")  # pgbouncer's, before it opened its log file
    if stderr != path and stderr.exists():
        text += stderr.read_text(errors="replace")
    return "\n".join(text.splitlines()[-lines:]) or "(no log)"


def stop_process(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL to the process group it leads (started with start_new_session)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout)


# --- pgbouncer -------------------------------------------------------------------------------


@dataclass
class Pgbouncer:
    port: int
    directory: Path
    process: subprocess.Popen
    user: str = "postgres"
    run_as: dict = field(default_factory=dict)  # Popen's user/group: never root

    def url(self, database: str, **query: str) -> str:
        options = "&".join(f"{key}={quote(value)}" for key, value in query.items())
        return f"postgres://{self.user}@{LOCALHOST}:{self.port}/{database}" + (f"?{options}" if options else "")

    def show(self, what: str) -> list[dict]:
        """``SHOW POOLS``, ``SHOW STATS``...: rows of pgbouncer's admin console as dicts."""
        import psycopg2

        connection = psycopg2.connect(host=LOCALHOST, port=self.port, user=self.user, dbname="pgbouncer")
        connection.autocommit = True  # the admin console accepts no transactions
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SHOW {what}")
                names = [column.name for column in cursor.description]
                return [dict(zip(names, row)) for row in cursor.fetchall()]
        finally:
            connection.close()

    @property
    def log(self) -> Path:
        return self.directory / "pgbouncer.log"

    def stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.directory, ignore_errors=True)

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop the process (SIGTERM: clients cut), stay away, start it again on the same port."""
        stop_process(self.process)
        time.sleep(down_seconds)
        with (self.directory / "stderr.log").open("ab") as stderr:
            self.process = subprocess.Popen(self.process.args, stdin=subprocess.DEVNULL, stdout=stderr,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            **self.run_as)
        wait_until_listening(self.port, self.process, self.log)


def render_pgbouncer_ini(
    *,
    directory: Path,
    port: int,
    server_host: str = LOCALHOST,
    server_port: int = 5432,
    user: str = "postgres",
    **overrides,
) -> Path:
    """The deployed configuration with only what a test host differs in replaced."""
    config = configparser.ConfigParser(delimiters=("=",), comment_prefixes=(";",),
                                       interpolation=None, strict=True)
    config.optionxform = str  # keep key case
    config.read(PGBOUNCER_INI)
    config.remove_section("databases")
    config.add_section("databases")
    config.set("databases", "*", f"host={server_host} port={server_port}")
    auth_file = directory / "userlist.txt"
    auth_file.write_text(f'"{user}" ""\n')  # PostgreSQL trusts 127.0.0.1 here, pgbouncer too
    local = {
        "listen_addr": LOCALHOST,
        "listen_port": str(port),
        "unix_socket_dir": "",
        "pidfile": str(directory / "pgbouncer.pid"),
        "logfile": str(directory / "pgbouncer.log"),
        "auth_type": "trust",
        "auth_file": str(auth_file),
        "admin_users": user,
        "stats_users": user,
        "min_pool_size": "0",
    }
    for key, value in {**local, **{key: str(value) for key, value in overrides.items()}}.items():
        config.set("pgbouncer", key, value)
    path = directory / "pgbouncer.ini"
    with path.open("w") as handle:
        config.write(handle)
    return path


def pgbouncer_start(*, wrapper: list[str] = (), start_timeout: float = 20, **settings) -> Pgbouncer:
    """Start Debian's pgbouncer from the rendered deploy configuration; pool settings override.

    Its files live in a fresh directory under the system temporary directory (the postgres
    user must reach them), removed by ``stop()``. ``wrapper`` goes before the command (the
    benchmarks run pgbouncer under valgrind).
    """
    executable = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    directory = Path(tempfile.mkdtemp(prefix="tenantry-pgbouncer-"))
    os.chmod(directory, 0o755)
    port = free_port()
    ini = render_pgbouncer_ini(directory=directory, port=port, **settings)
    user = {}
    if os.geteuid() == 0:  # pgbouncer refuses to run as root: start it as the postgres user
        account = pwd.getpwnam("postgres")
        for path in [directory, *directory.iterdir()]:
            os.chown(path, account.pw_uid, account.pw_gid)
        user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    with (directory / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen([*wrapper, executable, str(ini)], stdin=subprocess.DEVNULL, stdout=stderr,
                                   stderr=subprocess.STDOUT, start_new_session=True, **user)
    bouncer = Pgbouncer(port=port, directory=directory, process=process, run_as=user)
    try:
        wait_until_listening(port, process, bouncer.log, timeout=start_timeout)
    except Exception:
        bouncer.stop()
        raise
    return bouncer


# --- gunicorn --------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    port: int
    process: subprocess.Popen
    log: Path
    env: dict = field(repr=False)

    def stop(self) -> None:
        stop_process(self.process, timeout=40)


def gunicorn_start(*, env: dict[str, str], log: Path, health_host: str, workers: int = 3,
                   threads: int = 4) -> Gunicorn:
    """``gunicorn -c deploy/gunicorn.conf.py controlplane.wsgi:application`` on a free port."""
    port = free_port()
    full_env = {
        **os.environ,
        "GUNICORN_BIND": f"{LOCALHOST}:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_ACCESS_LOG": os.devnull,
        "GUNICORN_LOG_LEVEL": "warning",
        **env,
    }
    handle = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "controlplane.wsgi:application"],
        cwd=REPO, env=full_env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    handle.close()
    server = Gunicorn(port=port, process=process, log=log, env=full_env)
    try:
        wait_until_listening(port, process, log, timeout=60)
        wait_until_healthy(port, health_host, process, log)
    except Exception:
        server.stop()
        raise
    return server


def wait_until_healthy(port: int, host: str, process: subprocess.Popen, log: Path,
                       timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{tail(log)}")
        connection = http.client.HTTPConnection(LOCALHOST, port, timeout=5)
        try:
            connection.request("GET", "/healthz", headers={"Host": host})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn was not healthy in {timeout}s:\n{tail(log)}")


# --- PostgreSQL of a test's own ("another machine": outages, moves) --------------------------

POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PostgresServer:
    """A PostgreSQL 15 cluster in a temporary directory on a free port, trusting 127.0.0.1,
    which a test may stop and start under traffic; ``remove()`` stops it and deletes its files."""

    port: int
    directory: Path
    wal_level: str = "replica"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "postgres.log"

    def url(self, database: str) -> str:
        return f"postgres://postgres@{LOCALHOST}:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), *args]),
                       check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses={LOCALHOST} -k {self.directory} "
                   f"-c wal_level={self.wal_level} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._pg_ctl("-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self) -> None:
        """A fast shutdown: sessions are cut, as when the server goes away under traffic."""
        self._pg_ctl("-m", "fast", "-w", "-t", "60", "stop")

    def execute(self, sql: str, database: str = "postgres") -> list:
        import psycopg2

        connection = psycopg2.connect(host=LOCALHOST, port=self.port, user="postgres", dbname=database)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else []
        finally:
            connection.close()

    def create_database(self, name: str) -> None:
        self.execute(f'CREATE DATABASE "{name}"')

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.directory, ignore_errors=True)


def postgres_start(*, wal_level: str = "replica") -> PostgresServer:
    directory = Path(tempfile.mkdtemp(prefix="tenantry-postgres-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(directory, account.pw_uid, account.pw_gid)
    server = PostgresServer(port=free_port(), directory=directory, wal_level=wal_level)
    try:
        subprocess.run(_as_postgres([str(POSTGRES_BIN / "initdb"), "-D", str(server.data), "-U", "postgres",
                                     "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]),
                       check=True, capture_output=True, timeout=120)
        server.start()
    except Exception:
        server.remove()
        raise
    return server


# --- redis-server, RabbitMQ, Celery workers ----------------------------------------------------


class RedisServer:
    """A real redis-server of our own on a free port, which the test can stop and start."""

    def __init__(self, port: int, log: Path):
        self.port, self.log, self.process = port, log, None

    @property
    def url(self) -> str:
        return f"redis://{LOCALHOST}:{self.port}/0"

    def start(self):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [shutil.which("redis-server"), "--port", str(self.port), "--bind", LOCALHOST,
                 "--save", "", "--appendonly", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        wait_until_listening(self.port, self.process, self.log, timeout=10)

    def stop(self):
        if self.process:
            stop_process(self.process, timeout=10)
            self.process = None


def redis_start(*, log: Path) -> RedisServer:
    """A redis-server of our own on a free port, empty, persisting nothing, started."""
    server = RedisServer(free_port(), log)
    server.start()
    return server


RABBITMQ_PORT = 5672


def rabbitmq_ensure(vhost: str, timeout: float = 60) -> str:
    """The machine's RabbitMQ (started with ``rabbitmq-server -detached`` if it is not running),
    with ``vhost`` for guest; returns the broker URL. Other users' queues live in other vhosts."""
    def listening() -> bool:
        try:
            with socket.create_connection((LOCALHOST, RABBITMQ_PORT), timeout=1):
                return True
        except OSError:
            return False

    if not listening():
        subprocess.run(["rabbitmq-server", "-detached"], check=False, capture_output=True)
        deadline = time.monotonic() + timeout
        while not listening():
            if time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ did not listen on {RABBITMQ_PORT} in {timeout}s")
            time.sleep(0.5)
        subprocess.run(["rabbitmqctl", "await_startup"], check=False, capture_output=True, timeout=timeout)
    if vhost != "/":
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=False, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
                       check=True, capture_output=True)
    return f"amqp://guest:guest@{LOCALHOST}:{RABBITMQ_PORT}/{quote(vhost, safe='')}"


@dataclass
class CeleryWorker:
    """``celery -A controlplane worker`` as the systemd unit runs it, in its own process group."""

    process: subprocess.Popen
    log: Path

    def kill9(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # the main process and its pool, no goodbye
        self.process.wait(10)

    def stop(self) -> None:
        stop_process(self.process, timeout=30)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def celery_worker_start(*, env: dict[str, str], log: Path, concurrency: int = 2, beat: bool = False,
                        timeout: float = 60) -> CeleryWorker:
    command = [sys.executable, "-m", "celery", "-A", "controlplane", "worker", "--loglevel", "INFO",
               "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
               "--hostname", f"test-{free_port()}@%h"]
    if beat:
        command += ["--beat", "--schedule", str(log.with_suffix(".beat-schedule"))]
    handle = log.open("ab")
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                               stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    handle.close()
    worker = CeleryWorker(process=process, log=log)
    deadline = time.monotonic() + timeout
    while " ready." not in worker.log_text():
        if process.poll() is not None or time.monotonic() > deadline:
            worker.stop()
            raise RuntimeError(f"the celery worker did not start:\n{tail(log)}")
        time.sleep(0.2)
    return worker
