"""The release step of a deployment: apply the migrations and collect the static files, once, before
the application servers start (`python3 dev.py release` runs it; see docs/deploy.md).

Safe to run from several machines or containers at the same time: on PostgreSQL the migrations run
under a session advisory lock (the others wait, then find nothing to do), and collectstatic runs under
an exclusive file lock beside STATIC_ROOT (servers of one machine share that folder)."""

import contextlib
import fcntl
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


@contextlib.contextmanager
def static_lock():
    root = Path(settings.STATIC_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


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
        with static_lock():
            call_command("collectstatic", interactive=False, verbosity=max(0, verbosity - 1))
        if verbosity:
            sys.stdout.write(f"Static files are in {settings.STATIC_ROOT}\n")
