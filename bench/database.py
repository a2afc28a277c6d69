"""A fresh, migrated benchmark database: PostgreSQL `wt_bench*` on 127.0.0.1, or an SQLite temp file."""

import os
import tempfile
from pathlib import Path

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
_TMP = None


def database_url(db, name):
    global _TMP
    if db == "postgresql":
        return f"{PG_SERVER}/{name}"
    if _TMP is None:
        _TMP = tempfile.TemporaryDirectory(prefix="bench-")
    return f"sqlite:///{Path(_TMP.name) / (name + '.sqlite3')}"


def is_bench_name(name):
    """Only databases named for the benchmark are ever dropped: wt_bench… or wt_<worktree>_bench…"""
    return name.startswith("wt_") and "bench" in name


def recreate_postgres(name):
    import psycopg

    if not is_bench_name(name):
        raise SystemExit(f"refusing to drop {name!r}: benchmark databases are named wt_*bench* (wt_bench, wt_h8_bench)")
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def configure(db, name):
    """Environment for tracker.settings; call before django.setup()."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.settings"
    os.environ["DATABASE_URL"] = database_url(db, name)
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")


def fresh(db, name):
    """Point Django's default connection at a new empty database `name` and migrate it."""
    from django.core.management import call_command
    from django.db import connections

    conn = connections["default"]
    conn.close()
    if db == "postgresql":
        recreate_postgres(name)
        conn.settings_dict["NAME"] = name
    else:
        path = database_url(db, name).removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        conn.settings_dict["NAME"] = path
    call_command("migrate", verbosity=0, interactive=False)
    return conn


def use(db, name):
    """Point Django's default connection at the existing database `name` (built by fresh())."""
    from django.db import connections

    conn = connections["default"]
    conn.close()
    conn.settings_dict["NAME"] = name if db == "postgresql" else database_url(db, name).removeprefix("sqlite:///")
    return conn


def drop(db, name):
    from django.db import connections

    connections["default"].close()
    if db == "postgresql" and is_bench_name(name):
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
