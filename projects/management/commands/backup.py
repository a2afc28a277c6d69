"""Back up the configured database: online SQLite backup, or pg_dump --format=custom on PostgreSQL."""

from django.core.management.base import BaseCommand, CommandError

from projects import backup, media_backup


class Command(BaseCommand):
    help = ("Back up the database to a timestamped file under TRACKER_BACKUP_DIR (or --output), with the "
            "media archive and a SHA-256 manifest of both; then prune old backups. SQLite: online backup "
            "through the SQLite backup API, safe while the app runs. PostgreSQL: pg_dump --format=custom.")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (or a directory for a timestamped file).")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument("--no-media", action="store_true",
                            help="Do not write <file>.media.tar (the uploaded photos and documents).")
        parser.add_argument("--no-prune", action="store_true",
                            help="Keep every old backup (default: prune by TRACKER_BACKUP_KEEP / _KEEP_DAYS).")

    def handle(self, *args, output, database, no_media=False, no_prune=False, **options):
        try:
            path = backup.backup(output, alias=database, prune=not no_prune)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(path))
        if not no_media:
            try:
                media, count = media_backup.media_backup(media_backup.media_archive_path(path))
            except media_backup.MediaBackupError as exc:
                raise CommandError(f"The database is backed up in {path}, the media are not: {exc}") from None
            # The manifest covers the media archive too: a changed byte in it refuses the restore.
            backup.write_manifest(path, backup.engine_kind(database), extra=[("media", media)])
            # stdout stays the database file's path alone (scripts read it); the media note goes to stderr.
            self.stderr.write(f"{media} ({count} files)")
