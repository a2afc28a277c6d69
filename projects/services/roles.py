"""Who a user is in the mechanism: role, unit and leader, and the checks services share."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from projects.choices import Role
from projects.exceptions import NotAllowed


def role_of(user):
    """The user's role; a superuser counts as project office staff. None when the user has no profile."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.OFFICE
    try:
        return user.profile.role
    except ObjectDoesNotExist:
        return None


def unit_of(user):
    """The unit a reporter belongs to, else None."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.profile.unit
    except ObjectDoesNotExist:
        return None


def leader_of(user):
    """The Leader record linked to the user account, else None."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.leader
    except ObjectDoesNotExist:
        return None


def require_office(user):
    if role_of(user) != Role.OFFICE:
        raise NotAllowed(_("Only project office staff may do this."), code="not_office")


def can_write_for_project(user, project):
    """Office staff write for every project; a reporter for its unit's projects (lead or cooperating)."""
    role = role_of(user)
    if role == Role.OFFICE:
        return True
    if role != Role.REPORTER:
        return False
    unit = unit_of(user)
    if unit is None:
        return False
    return project.lead_unit_id == unit.pk or project.cooperating_units.filter(pk=unit.pk).exists()


def require_project_writer(user, project):
    if not can_write_for_project(user, project):
        if role_of(user) == Role.REPORTER:
            raise NotAllowed(_("Your unit is not responsible for this project."), code="wrong_unit")
        raise NotAllowed(_("Your role does not allow this."), code="wrong_role")
