"""The embedded PostgreSQL (the ``pgserver`` package) for a first run without a server.

``make dev`` runs ``python -m settings.embedded start`` (start it, create the database,
record its URL), ``make stop`` runs ``... stop``. ``settings.dev`` only reads the recorded URL:
importing settings never starts a server or writes a file.
"""

import os
import sys
from pathlib import Path

VAR = Path(__file__).resolve().parent.parent / "var"
DATA_DIR = VAR / "pgdata"
URL_FILE = VAR / "embedded-postgres.url"


def recorded_url() -> str | None:
    """The URL ``start`` recorded, while its data directory is there."""
    if DATA_DIR.exists() and URL_FILE.exists():
        return URL_FILE.read_text().strip() or None
    return None


def _server():
    # pgserver (through platformdirs) warns on every start without a runtime directory.
    runtime = VAR / "run"
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    import pgserver  # only dev needs it: pip install -e .[dev]

    # cleanup_mode=None: the server outlives this process, for runserver and every command.
    return pgserver.get_server(DATA_DIR, cleanup_mode=None)


def start() -> str:
    VAR.mkdir(parents=True, exist_ok=True)
    server = _server()
    if "(0 rows)" in server.psql("SELECT 1 FROM pg_database WHERE datname = 'tenantry';"):
        server.psql("CREATE DATABASE tenantry;")
    url = server.get_uri(database="tenantry")
    URL_FILE.write_text(url + "\n")
    return url


def stop() -> bool:
    """Stop the embedded server if it runs; True if there was one."""
    pid_file = DATA_DIR / "postmaster.pid"
    if not pid_file.exists():
        return False
    from pgserver._commands import pg_ctl

    # As root, pgserver runs the server as its own unprivileged user, and so must pg_ctl.
    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-m", "fast", "-w", "stop"], pgdata=DATA_DIR, user=user)
    return True


def main(argv: list[str]) -> int:
    if argv[1:] == ["start"]:
        if os.environ.get("DATABASE_URL"):
            print("DATABASE_URL is set: the embedded PostgreSQL is not needed.")
            return 0
        print(f"Embedded PostgreSQL running: {start()}")
        return 0
    if argv[1:] == ["stop"]:
        print("Embedded PostgreSQL stopped." if stop() else "No embedded PostgreSQL was running.")
        return 0
    if argv[1:] == ["url"]:
        print(recorded_url() or "")
        return 0
    print("usage: python -m settings.embedded start|stop|url", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
