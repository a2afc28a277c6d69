"""Print every row of every table in a canonical JSON form, to compare two databases (used by tests)."""

import json

from django.core.management.base import BaseCommand

from projects.backup import canonical_dump


class Command(BaseCommand):
    help = ("Write every row of every model as sorted tuples of column values (JSON). Two databases hold "
            "the same records exactly when their dumps are equal.")

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, output, database, **options):
        text = json.dumps(canonical_dump(database), ensure_ascii=False, sort_keys=True)
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text)
