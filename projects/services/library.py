"""Services of the project library: `<entity>_<action>(*, <entity>, user, ...)`, called by the
admin, the API and commands alike."""

from django.db import transaction
from django.utils.translation import gettext as _

from projects.exceptions import Conflict, NotAllowed
from projects.models import Project
from projects.permissions import role_of
from projects.choices import Role


def _require_office(user):
    if role_of(user) != Role.OFFICE:
        raise NotAllowed(_("Only the project office can archive or restore projects."), code="permission_denied")


@transaction.atomic
def project_archive(*, project: Project, user) -> Project:
    """Hides a project from default lists and keeps its history (projects are archived, never deleted)."""
    _require_office(user)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.is_archived:
        raise Conflict(_("The project is already archived."), code="already_archived")
    project.is_archived = True
    project.save(update_fields=["is_archived", "updated_at"])
    return project


@transaction.atomic
def project_unarchive(*, project: Project, user) -> Project:
    """Brings an archived project back into the default lists."""
    _require_office(user)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_archived:
        raise Conflict(_("The project is not archived."), code="not_archived")
    project.is_archived = False
    project.save(update_fields=["is_archived", "updated_at"])
    return project
