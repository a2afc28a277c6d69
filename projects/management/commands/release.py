"""The release step of a deployment: apply the migrations and collect the static files, once, before
the application servers start (`python3 dev.py release` runs it; see docs/deploy.md).

Safe to run from several machines or containers at the same time: on PostgreSQL the migrations run
under a session advisory lock (the others wait, then find nothing to do), and collectstatic runs under
an exclusive file lock in STATIC_ROOT (servers of one machine share that folder), and only when
the static sources changed since the last run (a fingerprint in STATIC_ROOT): collectstatic
compresses every file and takes tens of seconds."""

import contextlib
import fcntl
import hashlib
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

# pg_advisory_lock key of the release step: any 64-bit number no other code uses.
MIGRATE_LOCK_KEY = 7_305_112_240_915


@contextlib.contextmanager
def migration_lock(alias="default"):
    """Hold PostgreSQL's advisory lock for the duration (nothing on SQLite: one machine, one file)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATE_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATE_LOCK_KEY])


LOCK = ".release.lock"


@contextlib.contextmanager
def static_lock():
    """The exclusive lock of collectstatic, a file inside STATIC_ROOT: not beside it, where it was an
    untracked file in the checkout (.staticfiles.lock) and needed the parent folder to be writable."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


STAMP = ".tracker-static-fingerprint"


def static_fingerprint():
    """SHA-256 over the names and contents of every static source file (the app's and the libraries'):
    when it matches the stamp of the last collectstatic, the collected files are current."""
    from django.contrib.staticfiles import finders

    digest = hashlib.sha256()
    entries = []
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            entries.append((getattr(storage, "prefix", None) or "", path, storage))
    for prefix, path, storage in sorted(entries, key=lambda e: (e[0], e[1])):
        digest.update(f"{prefix}/{path}\0".encode())
        with storage.open(path) as fh:
            digest.update(hashlib.sha256(fh.read()).digest())
    digest.update(settings.STORAGES["staticfiles"]["BACKEND"].encode())
    return digest.hexdigest()


def collect_static(verbosity):
    """collectstatic (slow: WhiteNoise compresses every file) unless the collected files are current."""
    root = Path(settings.STATIC_ROOT)
    with static_lock():
        fingerprint = static_fingerprint()
        stamp = root / STAMP
        if stamp.is_file() and stamp.read_text() == fingerprint:
            return False
        call_command("collectstatic", interactive=False, verbosity=max(0, verbosity - 1))
        stamp.write_text(fingerprint)
        return True


def unapplied_migrations(alias="default"):
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class Command(BaseCommand):
    help = ("Release step: apply the migrations (under a PostgreSQL advisory lock) and collect the static "
            "files (under a file lock). --static-only --require-migrated is what `dev.py serve` runs on start.")

    def add_arguments(self, parser):
        parser.add_argument("--static-only", action="store_true",
                            help="Collect the static files only; do not migrate.")
        parser.add_argument("--require-migrated", action="store_true",
                            help="Fail when the database lacks migrations of this code (run the release step).")
        parser.add_argument("--database", default="default")

    def handle(self, *args, static_only, require_migrated, database, **options):
        verbosity = options["verbosity"]
        if not static_only:
            with migration_lock(database):
                call_command("migrate", database=database, interactive=False, verbosity=verbosity)
        if require_migrated:
            missing = unapplied_migrations(database)
            if missing:
                raise CommandError(
                    f"The database lacks {len(missing)} migration(s) of this code ({', '.join(missing[:5])}"
                    f"{' …' if len(missing) > 5 else ''}). Run the release step once first: "
                    "`python3 dev.py release` (or `python manage.py release`); the servers do not migrate.")
        collected = collect_static(verbosity)
        if verbosity:
            state = "collected" if collected else "current (unchanged since the last release)"
            sys.stdout.write(f"Static files in {settings.STATIC_ROOT}: {state}\n")
