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
from django.test.utils import override_settings
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
    assigned = set(Project.leaders.through.objects.filter(project__in=projects).values_list("project_id", "leader_id"))
    for index, project in enumerate(projects):
        leader = leaders[index % len(leaders)]
        if (project.pk, leader.pk) not in assigned:  # an add changing nothing would still be a version
            project.leaders.add(leader)
    return len(projects)


def loaded_reason(*paths):
    return _("loaded from %(file)s") % {"file": "、".join(path.name for path in paths)}


def record_loading(paths):
    """History rows for the records the fixtures `paths` loaded (loaddata saves them raw, and the
    command pauses the history meanwhile): "created" for a record without history, "changed" for
    one whose values differ from its last version (a fixture loaded again, changed); the reason
    "loaded from <file>". Records whose history a fixture carries (the demo's reports) are left as
    they are. Last, the projects whose leaders or cooperating units (kept with each version) are
    not those of their last version get a version with them, the reason naming all the files."""
    from django.apps import apps

    from projects.history import _m2m_members, m2m_fields

    m2m_models = []
    for path in paths:
        by_model = {}
        for obj in json.loads(path.read_text(encoding="utf-8")):
            if obj.get("pk") is not None:  # accounts come by natural key, and keep no history here
                by_model.setdefault(obj["model"], []).append(obj["pk"])
        for label, pks in by_model.items():
            model = apps.get_model(label)
            if not hasattr(model, "history"):
                continue
            history = model.history.model
            tracked = [f.attname for f in history.tracked_fields]
            latest = {}
            for row in history.objects.filter(id__in=pks).order_by("id", "-history_date", "-history_id"):
                latest.setdefault(row.id, row)
            created, changed = [], []
            for obj in model._base_manager.filter(pk__in=pks).order_by("pk"):
                last = latest.get(obj.pk)
                if last is None:
                    created.append(obj)
                elif any(getattr(obj, name) != getattr(last, name) for name in tracked):
                    changed.append(obj)
            reason = loaded_reason(path)
            if created:  # created without members, as in the admin (they are added after the record)
                model.history.bulk_history_create(created, default_change_reason=reason)
            if changed:
                _versions_with_members(model, changed, reason)
            if m2m_fields(history) and (model, pks) not in m2m_models:
                m2m_models.append((model, pks))
    for model, pks in m2m_models:
        history = model.history.model
        latest = {}
        for row in history.objects.filter(id__in=pks).order_by("id", "-history_date", "-history_id"):
            latest.setdefault(row.id, row)
        kept = _m2m_members(history, [row.history_id for row in latest.values()])
        current = _current_members(model, pks)
        differing = [obj for obj in model._base_manager.filter(pk__in=pks).order_by("pk")
                     if any(kept[name].get(latest[obj.pk].history_id, []) != current[name].get(obj.pk, [])
                            for name in current)]
        if differing:
            _versions_with_members(model, differing, loaded_reason(*paths))


def _current_members(model, pks):
    """{m2m field name: {pk: sorted member ids}} of the kept many-to-many fields, as stored now."""
    from projects.history import m2m_fields

    members = {}
    for field in m2m_fields(model.history.model):
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        found = {}
        for pk, member in through.objects.filter(**{f"{source}_id__in": pks}).values_list(
                f"{source}_id", f"{target}_id"):
            found.setdefault(pk, []).append(member)
        members[field.name] = {pk: sorted(value) for pk, value in found.items()}
    return members


def _versions_with_members(model, objs, reason):
    """"Changed" versions of `objs` as they are now, their kept many-to-many members included."""
    from projects.history import m2m_fields

    rows = model.history.bulk_history_create(objs, update=True, default_change_reason=reason)
    history = model.history.model
    fields = m2m_fields(history)
    if not fields:
        return
    if any(row.history_id is None for row in rows):  # a database that returns no ids from a bulk insert
        by_object = dict(history.objects.filter(id__in=[o.pk for o in objs], history_change_reason=reason)
                         .order_by("id", "history_id").values_list("id", "history_id"))
    else:
        by_object = {row.id: row.history_id for row in rows}
    for field in fields:
        snapshot = getattr(history, field.name).model
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        snapshot.objects.bulk_create([
            snapshot(id=through_id, history_id=by_object[pk], **{f"{source}_id": pk, f"{target}_id": member})
            for through_id, pk, member in through.objects.filter(**{f"{source}_id__in": list(by_object)})
            .values_list("id", f"{source}_id", f"{target}_id")])


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
        paths = [FACTS] if no_demo else [FACTS, DEMO, DEMO_YEAR]
        try:
            with transaction.atomic():
                # The history is written once all is loaded (record_loading): reloading the facts
                # clears the demo's cooperating units, which the demo year then puts back.
                with override_settings(SIMPLE_HISTORY_ENABLED=False):
                    for path in paths:
                        self._load(path)
                    if not no_demo:
                        assigned = library_assign_demo_leaders(
                            project_ids=fixture_pks(FACTS, "projects.project"),
                            leader_ids=fixture_pks(DEMO, "projects.leader"),
                        )
                record_loading(paths)
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
