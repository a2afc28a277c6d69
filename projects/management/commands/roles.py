"""Print the role table (projects/permissions.py) as Markdown, or write it to docs/roles.md."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from projects.permissions import as_markdown

DOC = Path(settings.BASE_DIR) / "docs" / "roles.md"


class Command(BaseCommand):
    help = "Print the role table as Markdown; --write puts it in docs/roles.md (a test checks that file)."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help="Write docs/roles.md instead of printing.")

    def handle(self, *args, write, **options):
        text = as_markdown()
        if write:
            DOC.write_text(text, encoding="utf-8")
            self.stdout.write(str(DOC))
        else:
            self.stdout.write(text, ending="")
