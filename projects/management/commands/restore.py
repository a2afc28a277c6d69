"""Restore a backup made by `manage.py backup` into the configured database."""

from django.core.management.base import BaseCommand, CommandError

from projects import backup, media_backup
from projects.audit import audit_event


class Command(BaseCommand):
    help = ("Replace the content of the configured database with a backup made by `manage.py backup` "
            "(SQLite: backup API; PostgreSQL: pg_restore --clean --if-exists --no-owner in one transaction). "
            "The file is checked first, and the current database is saved to backups/pre-restore-*.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file.")
        parser.add_argument("--yes", action="store_true",
                            help="Confirm that the current content of the database is to be replaced.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument("--safety-dir", help="Where to save the current database first (default: backups/).")
        parser.add_argument("--without-manifest", action="store_true",
                            help="Restore a backup that has no manifest (made before manifests existed); its "
                                 "checksums are not verified.")
        parser.add_argument("--no-safety-backup", action="store_true",
                            help="Do not save the current database before overwriting it.")
        parser.add_argument("--media", help="The media archive to restore (default: <path>.media.tar when it exists).")
        parser.add_argument("--no-media", action="store_true", help="Restore the database only.")

    def handle(self, *args, path, yes, database, safety_dir, no_safety_backup, without_manifest, media=None,
               no_media=False, **options):
        if not no_media and media is None and media_backup.media_archive_path(path).exists():
            media = media_backup.media_archive_path(path)
        try:
            # The files are checked before asking for confirmation: a wrong file is refused either way
            # (the database file and, through the manifest, the media archive's checksums), and the
            # refusal is an audit event as it is inside backup.restore().
            try:
                backup.check_backup(path, alias=database, verify=not without_manifest)
                if media and not no_media:
                    media_backup.check_media_archive(media)
            except (backup.BackupError, media_backup.MediaBackupError) as exc:
                audit_event("backup.restore_refused", on_commit=False, path=str(path), reason=str(exc),
                            media=str(media) if media and not no_media else None)
                raise
            if not yes:
                raise CommandError("A restore replaces everything in the database. Run it again with --yes "
                                   "to confirm; nothing was restored.")
            safety, missing = backup.restore(path, alias=database, safety_dir=safety_dir,
                                             safety_backup=not no_safety_backup, verify=not without_manifest)
        except (backup.BackupError, media_backup.MediaBackupError) as exc:
            raise CommandError(str(exc)) from None
        if media and not no_media:
            try:
                count = media_backup.media_restore(media)
            except media_backup.MediaBackupError as exc:
                raise CommandError(f"The database is restored, the media are not: {exc}") from None
            self.stdout.write(f"Restored {count} media files from {media}")
        if safety:
            self.stdout.write(f"The database as it was before is saved in {safety}")
        self.stdout.write(self.style.SUCCESS(f"Restored {path}"))
        if missing:
            self.stdout.write(self.style.WARNING(
                "The backup predates migrations of this version; run `python manage.py migrate` now: "
                + ", ".join(".".join(m) for m in missing)))
