"""Archive instead of delete: projects, units and leaders that other records depend on are never
deleted; they are archived, leave the default lists, and keep their history and detail pages.

`dependents(obj)` says what depends on a record (reports of a project, projects of a unit, reviews
of a leader, …), counting many-to-many links too, which Django would silently drop on delete."""

from django.db import transaction
from django.db.models import ManyToManyRel
from django.utils.translation import gettext as _

from projects.choices import ReportStatus
from projects.exceptions import Conflict
from projects.models import Leader, Unit
from projects.models.library import Archivable
from projects.permissions import require, resource_of_model


def _is_history(model):
    return hasattr(model, "instance_type")  # simple-history's Historical<Model> classes


def dependents(obj):
    """[(label, count)] of the records that refer to `obj`, one entry per kind of record."""
    found = []
    for rel in type(obj)._meta.related_objects:
        model = rel.related_model
        if _is_history(model):
            continue
        if isinstance(rel, ManyToManyRel):
            count = model._base_manager.filter(**{rel.field.name: obj}).count()
        else:
            count = model._base_manager.filter(**{rel.field.name: obj.pk}).count()
        if count:
            found.append((str(model._meta.verbose_name_plural), count))
    return found


def dependents_text(found):
    return ", ".join(f"{label} ({count})" for label, count in found)


def delete_refusal(obj):
    """The message refusing to delete `obj` (for every role: projects/permissions.py, STATE_RULES), or
    None: a monthly report once submitted or accepted, or an archivable record others depend on."""
    from projects.models import MonthlyReport

    if isinstance(obj, MonthlyReport) and (obj.status != ReportStatus.DRAFT or obj.accepted_at is not None):
        return _("A submitted or accepted report is never deleted: edit it instead, which files a correction "
                 "with a reason.")
    if not isinstance(obj, Archivable):
        return None
    found = dependents(obj)
    if not found:
        return None
    return _("%(object)s cannot be deleted: %(dependents)s depend on it. Archive it instead; archived "
             "records leave the default lists and keep their history.") % {
        "object": obj, "dependents": dependents_text(found)}


def set_archived(obj, *, user, archived):
    """Archives (or brings back) any archivable record, in a transaction, keeping its history."""
    require(user, resource_of_model(type(obj)).name, "archive" if archived else "unarchive", record=obj)
    with transaction.atomic():
        obj = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
        if obj.is_archived == archived:
            raise Conflict(_("It is already archived.") if archived else _("It is not archived."),
                           code="already_archived" if archived else "not_archived")
        obj.is_archived = archived
        obj.save()
    return obj


def unit_archive(*, unit: Unit, user) -> Unit:
    """Hides a unit from default lists; its projects, reports and history stay."""
    return set_archived(unit, user=user, archived=True)


def unit_unarchive(*, unit: Unit, user) -> Unit:
    return set_archived(unit, user=user, archived=False)


def leader_archive(*, leader: Leader, user) -> Leader:
    """Hides a leader from default lists; its projects, reviews and history stay."""
    return set_archived(leader, user=user, archived=True)


def leader_unarchive(*, leader: Leader, user) -> Leader:
    return set_archived(leader, user=user, archived=False)
