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
from django.core.management.base import BaseCommand
from django.db import transaction
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


class Command(BaseCommand):
    help = ("Load fixtures/facts.json, then (unless --no-demo) fixtures/demo.json, fixtures/demo_2013.json "
            "and the demo leader assignments.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo", action="store_true", help="Load the facts from the documents only, without demo data."
        )

    def handle(self, *args, no_demo, **options):
        with transaction.atomic():
            call_command("loaddata", str(FACTS), verbosity=0)
            if not no_demo:
                call_command("loaddata", str(DEMO), verbosity=0)
                call_command("loaddata", str(DEMO_YEAR), verbosity=0)
                assigned = library_assign_demo_leaders(
                    project_ids=fixture_pks(FACTS, "projects.project"),
                    leader_ids=fixture_pks(DEMO, "projects.leader"),
                )
        self.stdout.write(self.style.SUCCESS(_("Loaded the facts from the source documents.")))
        if not no_demo:
            self.stdout.write(self.style.SUCCESS(
                _("Loaded the demo leaders and assigned them to %(count)d projects.") % {"count": assigned}
            ))
            self.stdout.write(self.style.SUCCESS(
                _("Loaded the illustrative demo year 2013 (reports, meetings, problems, reviews, bulletins).")
            ))
