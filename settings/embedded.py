"""An embedded PostgreSQL (the ``pgserver`` package) for a first run without a server."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "pgdata"


def embedded_postgres_url() -> str:
    import pgserver  # only dev needs it: pip install -e .[dev]

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so runserver's reloader reuses it.
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    if "(0 rows)" in server.psql("SELECT 1 FROM pg_database WHERE datname = 'tenantry';"):
        server.psql("CREATE DATABASE tenantry;")
    return server.get_uri(database="tenantry")
