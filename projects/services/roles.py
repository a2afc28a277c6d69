"""Who a user is in the mechanism: role, unit and leader. What each role may do is the role table
in projects/permissions.py (services call `projects.permissions.require`)."""

from django.core.exceptions import ObjectDoesNotExist

from projects.permissions import role_of  # noqa: F401 - one definition, re-exported for the admin


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
    """For services whose row in the role table is office only (projects/permissions.py)."""
    from django.utils.translation import gettext as _

    from projects.choices import Role
    from projects.exceptions import NotAllowed

    if role_of(user) != Role.OFFICE:
        raise NotAllowed(_("Only project office staff may do this."), code="not_office")


def can_write_for_project(user, project):
    """Office staff write for every project; a reporter for its unit's projects (the role table's
    "unit" scope, projects/permissions.py)."""
    from projects.choices import Role
    from projects.permissions import unit_owns

    role = role_of(user)
    return role == Role.OFFICE or (role == Role.REPORTER and unit_owns(user, project))
