"""Import a unit's filled monthly report workbook: all rows or none."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from projects.excel.reports import parse_month, reports_import, reports_preview
from projects.exceptions import DomainError


class Command(BaseCommand):
    help = "Import monthly reports from a filled template workbook (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--month", required=True, help="YYYY-MM, e.g. 2013-10")
        parser.add_argument("--user", default="admin", help="whose import it is (role and unit apply)")
        parser.add_argument("--submit", action="store_true", help="submit the reports instead of saving drafts")
        parser.add_argument("--dry-run", action="store_true", help="only show the preview")
        parser.add_argument("--json", action="store_true", help="print the preview as JSON")

    def handle(self, *args, file, month, user, submit, dry_run, json: bool, **options):
        try:
            year, month_number = parse_month(month)
            account = get_user_model().objects.get(username=user)
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user!r}.") from None
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            run = reports_preview if dry_run else reports_import
            kwargs = {} if dry_run else {"submit": submit}
            preview = run(user=account, data=data, year=year, month=month_number, **kwargs)
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if json:
            self.stdout.write(_json_dumps(preview.as_dict()))
        else:
            self._print(preview)
        if not preview.ok:
            raise CommandError("Nothing was imported: fix the errors above and try again.")
        if not dry_run:
            self.stdout.write(self.style.SUCCESS(
                f"Imported {preview.count('create')} new and {preview.count('update')} changed reports "
                f"({preview.count('unchanged')} unchanged)."))

    def _print(self, preview):
        for message in preview.file_errors:
            self.stdout.write(f"file: {message}")
        for row in preview.rows:
            if row.errors:
                for error in row.errors:
                    self.stdout.write(f"row {row.row}, column {error.column} ({error.header}): {error.message}")
            else:
                self.stdout.write(f"row {row.row}: {row.action} {row.label} {row.completed_ytd}")


def _json_dumps(data):
    return json.dumps(data, ensure_ascii=False, indent=2)
