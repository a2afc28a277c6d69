"""Template tags of the Excel import pages: who sees the import buttons."""

from django import template

from projects.choices import Role
from projects.services.roles import role_of

register = template.Library()


@register.simple_tag(takes_context=True)
def can_import(context, what):
    """Whether the request's user may run the import `what` ("reports" or "library")."""
    request = context.get("request")
    role = role_of(getattr(request, "user", None))
    if what == "reports":
        return role in (Role.OFFICE, Role.REPORTER)
    if what == "library":
        return role == Role.OFFICE
    return False
