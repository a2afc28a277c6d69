"""Who may do what through the API.

| role      | reads | writes                                                                             |
| --------- | ----- | ---------------------------------------------------------------------------------- |
| office    | all   | everything (a superuser counts as office)                                          |
| reporter  | all   | monthly reports, problems (+ actions) and milestones of projects where its unit is |
|           |       | the lead unit or a cooperating unit; nothing else                                  |
| leader    | all   | creates review scores (as itself, on reviews it is a reviewer of) and problem      |
|           |       | actions (comments); nothing else                                                   |
| auditor   | all   | nothing                                                                            |

Photos and documents (/api/attachments/, projects/services/attachments.py): office attaches and deletes
anywhere; a reporter on reports and problems of its unit's projects (on a problem, also when its unit
is the responsible unit); leader and auditor read and download only.
| no profile| none  | none (403)                                                                         |
| anonymous | none  | none (401)                                                                         |

A viewset opts in to non-office writes with two attributes:

- `role_actions`: {role: set of view actions} that role may run besides reading;
- `project_path`: how to reach the project of an object (``"project"``, ``"problem__project"``);
  a reporter's write is allowed only when that project belongs to its unit, checked on the
  existing object (`has_object_permission`) and on the target of a create or update (`check_target`).
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from projects.choices import Role

WRITE_ACTIONS = frozenset({"create", "update", "partial_update", "destroy"})


def role_of(user):
    """The user's role, or None for anonymous users and accounts without a profile."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.OFFICE
    profile = getattr(user, "profile", None)
    return profile.role if profile else None


def project_of(obj, path):
    """Follows `path` ("problem__project") from `obj` (a model instance or a dict of validated data)."""
    for step in path.split("__"):
        obj = obj.get(step) if isinstance(obj, dict) else getattr(obj, step, None)
        if obj is None:
            return None
    return obj


def unit_owns(user, project):
    """True when the reporter's unit leads or cooperates on `project`."""
    from projects.models import Project

    unit_id = user.profile.unit_id
    if project is None or unit_id is None:
        return False
    return Project.objects.for_unit(unit_id).filter(pk=project.pk).exists()


class RolePermission(BasePermission):
    """Applies the role table above to every API view."""

    message = _("Your role does not allow this.")

    def has_permission(self, request, view):
        role = role_of(request.user)
        if role is None:
            return False
        if request.method in SAFE_METHODS or role == Role.OFFICE:
            return True
        return getattr(view, "action", None) in getattr(view, "role_actions", {}).get(role, ())

    def has_object_permission(self, request, view, obj):
        role = role_of(request.user)
        if request.method in SAFE_METHODS or role == Role.OFFICE:
            return True
        if role == Role.REPORTER:
            return unit_owns(request.user, project_of(obj, view.project_path))
        return False


def check_target(request, view, data, instance=None):
    """Create-time (and update-time) checks on what a write points at; raises PermissionDenied.

    `data` is the serializer's validated data; `instance` the object being updated, if any."""
    from projects.models import ReviewScore

    role = role_of(request.user)
    if role == Role.OFFICE:
        return
    if role == Role.REPORTER:
        project = project_of(data, view.project_path) or (instance and project_of(instance, view.project_path))
        if not unit_owns(request.user, project):
            raise PermissionDenied(_("Your unit is neither the lead unit nor a cooperating unit of this project."))
    if role == Role.LEADER and view.queryset.model is ReviewScore:
        leader = getattr(request.user, "leader", None)
        review = data.get("review")
        if leader is None or data.get("reviewer") != leader:
            raise PermissionDenied(_("A leader can only score as itself."))
        if not review.reviewers.filter(pk=leader.pk).exists():
            raise PermissionDenied(_("You are not a reviewer of this review."))
