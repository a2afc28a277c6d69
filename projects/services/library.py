"""Services of the project library: `<entity>_<action>(*, <entity>, user, ...)`, called by the
admin, the API and commands alike."""

from django.db import transaction
from django.utils.translation import gettext as _

from projects.exceptions import Conflict
from projects.models import Project
from projects.permissions import require


@transaction.atomic
def project_archive(*, project: Project, user) -> Project:
    """Hides a project from default lists and keeps its history (projects are archived, never deleted)."""
    require(user, "projects", "archive", record=project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if project.is_archived:
        raise Conflict(_("The project is already archived."), code="already_archived")
    project.is_archived = True
    project.save(update_fields=["is_archived", "updated_at"])
    return project


@transaction.atomic
def project_unarchive(*, project: Project, user) -> Project:
    """Brings an archived project back into the default lists."""
    require(user, "projects", "unarchive", record=project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_archived:
        raise Conflict(_("The project is not archived."), code="not_archived")
    project.is_archived = False
    project.save(update_fields=["is_archived", "updated_at"])
    return project
