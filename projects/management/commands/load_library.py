"""Loads the project library: the facts from the seed documents, then the illustrative demo data.

facts.json holds only what the documents say; demo.json holds responsible leaders named by title;
demo_2013.json (written by fixtures/build_demo.py) an illustrative year 2013 of reports, meetings,
problems, reviews, bulletins and evaluations for the main projects, with demo accounts.
Which leader takes which project is not in the documents either, so it is assigned here, after both
fixtures are loaded: reloading facts.json then never clears it, and facts.json never carries it."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from projects.models import Leader, Project

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
FACTS = FIXTURES / "facts.json"
DEMO = FIXTURES / "demo.json"
DEMO_YEAR = FIXTURES / "demo_2013.json"


def fixture_pks(path, model):
    """Primary keys of one model's objects in a fixture file."""
    return [obj["pk"] for obj in json.loads(path.read_text(encoding="utf-8")) if obj["model"] == model]


def library_assign_demo_leaders(*, project_ids, leader_ids):
    """Gives each project one demo leader, in turn by primary key: the same projects always get the
    same leaders, and adding an assignment that exists already changes nothing. Returns the number
    of projects assigned."""
    leaders = list(Leader.objects.filter(pk__in=leader_ids).order_by("pk"))
    projects = list(Project.objects.filter(pk__in=project_ids).order_by("pk"))
    if not leaders:
        return 0
    for index, project in enumerate(projects):
        project.leaders.add(leaders[index % len(leaders)])
    return len(projects)


class FixtureError(Exception):
    def __init__(self, path, reason):
        super().__init__(path, reason)
        self.path, self.reason = path, reason


class Command(BaseCommand):
    help = ("Load fixtures/facts.json, then (unless --no-demo) fixtures/demo.json, fixtures/demo_2013.json "
            "and the demo leader assignments.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo", action="store_true", help="Load the facts from the documents only, without demo data."
        )

    def handle(self, *args, no_demo, **options):
        try:
            with transaction.atomic():
                self._load(FACTS)
                if not no_demo:
                    self._load(DEMO)
                    self._load(DEMO_YEAR)
                    assigned = library_assign_demo_leaders(
                        project_ids=fixture_pks(FACTS, "projects.project"),
                        leader_ids=fixture_pks(DEMO, "projects.leader"),
                    )
        except FixtureError as exc:
            raise CommandError(_("%(file)s cannot be loaded: %(reason)s. Nothing was loaded.")
                               % {"file": exc.path.name, "reason": exc.reason}) from None
        self.stdout.write(self.style.SUCCESS(_("Loaded the facts from the source documents.")))
        if not no_demo:
            self.stdout.write(self.style.SUCCESS(
                _("Loaded the demo leaders and assigned them to %(count)d projects.") % {"count": assigned}
            ))
            self.stdout.write(self.style.SUCCESS(
                _("Loaded the illustrative demo year 2013 (reports, meetings, problems, reviews, bulletins).")
            ))

    @staticmethod
    def _load(path):
        """loaddata of one fixture inside the caller's transaction; any failure (bad JSON, unknown
        model or field, a value of the wrong type, a missing foreign key) becomes a FixtureError."""
        try:
            with transaction.atomic():
                call_command("loaddata", str(path), verbosity=0)
                # SQLite checks deferred foreign keys only at commit; check them now, inside.
                connection.check_constraints()
        except (DeserializationError, DatabaseError, DjangoValidationError, CommandError, ValueError,
                TypeError, LookupError, ObjectDoesNotExist) as exc:
            reason = " ".join(str(exc).split())
            raise FixtureError(path, reason[:500]) from exc
