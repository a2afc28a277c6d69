"""Import the project library workbook (项目库, 年度计划, 时间节点): all rows or none."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from projects.excel.library import library_import, library_preview
from projects.exceptions import DomainError


class Command(BaseCommand):
    help = "Import the project library from a workbook exported by the tracker (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", default="admin", help="whose import it is (must be project office staff)")
        parser.add_argument("--dry-run", action="store_true", help="only show the preview")
        parser.add_argument("--json", action="store_true", help="print the preview as JSON")

    def handle(self, *args, file, user, dry_run, json: bool, **options):
        try:
            account = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            run = library_preview if dry_run else library_import
            preview = run(user=account, data=data)
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if json:
            self.stdout.write(_json_dumps(preview.as_dict()))
        else:
            self._print(preview)
        if not preview.ok:
            raise CommandError("Nothing was imported: fix the errors above and try again.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(
            f"{verb} {preview.count('create')} new and {preview.count('update')} changed rows "
            f"({preview.count('unchanged')} unchanged)."))

    def _print(self, preview):
        for message in preview.file_errors:
            self.stdout.write(f"file: {message}")
        for row in preview.rows:
            for error in row.errors:
                self.stdout.write(f"{error.sheet} row {row.row}, column {error.column} ({error.header}): "
                                  f"{error.message}")
            if not row.errors and row.action != "unchanged":
                changes = "; ".join(f"{c.header}: {c.old} → {c.new}" for c in row.changes)
                self.stdout.write(f"{row.sheet} row {row.row}: {row.action} {row.label} {changes}".rstrip())


def _json_dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
