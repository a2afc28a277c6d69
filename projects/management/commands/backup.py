"""Back up the configured database: online SQLite backup, or pg_dump --format=custom on PostgreSQL."""

from django.core.management.base import BaseCommand, CommandError

from projects import backup


class Command(BaseCommand):
    help = ("Back up the database to a timestamped file under TRACKER_BACKUP_DIR (or --output), with a "
            "SHA-256 manifest; then prune old backups. SQLite: online "
            "backup through the SQLite backup API, safe while the app runs. PostgreSQL: pg_dump --format=custom.")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (or a directory for a timestamped file).")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument("--no-prune", action="store_true",
                            help="Keep every old backup (default: prune by TRACKER_BACKUP_KEEP / _KEEP_DAYS).")

    def handle(self, *args, output, database, no_prune, **options):
        try:
            path = backup.backup(output, alias=database, prune=not no_prune)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
