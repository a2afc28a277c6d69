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
