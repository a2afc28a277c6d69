"""Scratch databases for tests that need a real, separate database: an SQLite file, or a fresh
PostgreSQL database, driven through `manage.py` in a subprocess with its own DATABASE_URL.

PostgreSQL is used when the suite itself runs on it (then it must work), or when pg_dump is on PATH
and a server answers at 127.0.0.1:5432."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
SUITE_URL = os.environ.get("DATABASE_URL", "")
SUITE_ON_POSTGRES = SUITE_URL.startswith(("postgres://", "postgresql://"))
# Scratch PostgreSQL databases live on the suite's server, or on the local default one.
PG_SERVER_URL = SUITE_URL if SUITE_ON_POSTGRES else "postgres://postgres@127.0.0.1:5432/postgres"
# Uploaded files of the subprocesses go to a scratch folder, not to the checkout's media/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="tracker-media-")


def _server_answers(url, timeout=1.0):
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_available():
    """True when the PostgreSQL cases must run: always on a PostgreSQL suite, otherwise when the
    client tools are installed and the local server answers."""
    if SUITE_ON_POSTGRES:
        return True
    return bool(shutil.which("pg_dump") and shutil.which("pg_restore") and _server_answers(PG_SERVER_URL))


def backends():
    return ["sqlite", "postgresql"] if postgres_available() else ["sqlite"]


def pg_url(dbname):
    parts = urlsplit(PG_SERVER_URL)
    return parts._replace(path="/" + quote(dbname)).geturl()


def _admin_connection():
    import psycopg

    return psycopg.connect(pg_url("postgres"), autocommit=True)


def pg_server_version():
    with _admin_connection() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def pg_client_version():
    return subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=True).stdout.strip()


@contextmanager
def fresh_postgres_database(label):
    """A new, empty PostgreSQL database named wt_reliab_<label>_<random>, dropped afterwards."""
    name = f"wt_reliab_{label}_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        with _admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(backend, directory, label):
    """The DATABASE_URL of a new empty database of the given backend (not migrated)."""
    if backend == "sqlite":
        yield f"sqlite:///{Path(directory) / (label + '.sqlite3')}"
    else:
        with fresh_postgres_database(label) as url:
            yield url


def manage(*args, url, check=True, timeout=300):
    """Run manage.py against the database at `url`; returns the CompletedProcess."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_TEST_FILE"}
           and not k.startswith("TRACKER_")}
    env["DATABASE_URL"] = url
    env["TRACKER_MEDIA_ROOT"] = MEDIA_ROOT
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout}\n{result.stderr}")
    return result


def shell(code, url, **kwargs):
    return manage("shell", "--no-imports", "-c", code, url=url, **kwargs)


def dump(url):
    from projects.tests.dbdump import load_canonical_dump

    return load_canonical_dump(manage("dump_canonical", url=url).stdout)


def run_and_dump(code, url):
    """Run `code` in manage.py shell, then return the canonical dump of the database."""
    from projects.tests.dbdump import load_canonical_dump

    marker = "=====DUMP====="
    script = (code + "\nimport json\nfrom projects.backup import canonical_dump\n"
              f"print({marker!r} + json.dumps(canonical_dump(), ensure_ascii=False))\n")
    out = shell(script, url=url).stdout
    return load_canonical_dump(out.split(marker, 1)[1])


class Templates:
    """Migrated empty databases, made once and copied for each test (migrate is slow)."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.sqlite_file = None
        self.pg_name = None

    def sqlite(self, path):
        if self.sqlite_file is None:
            self.sqlite_file = self.directory / "template.sqlite3"
            manage("migrate", "--noinput", url=f"sqlite:///{self.sqlite_file}")
        shutil.copy(self.sqlite_file, path)
        return f"sqlite:///{path}"

    @contextmanager
    def postgresql(self, label):
        if self.pg_name is None:
            self.pg_name = f"wt_reliab_template_{uuid.uuid4().hex[:10]}"
            with _admin_connection() as conn:
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')
            manage("migrate", "--noinput", url=pg_url(self.pg_name))
        name = f"wt_reliab_{label}_{uuid.uuid4().hex[:10]}"
        with _admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_name}"')
        try:
            yield pg_url(name)
        finally:
            with _admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextmanager
    def migrated(self, backend, label):
        if backend == "sqlite":
            yield self.sqlite(self.directory / f"{label}-{uuid.uuid4().hex[:8]}.sqlite3")
        else:
            with self.postgresql(label) as url:
                yield url

    def drop(self):
        if self.pg_name is not None:
            with _admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def templates_fixture(tmp_path_factory):
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop()
