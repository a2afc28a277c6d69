"""{% tracker_dashboard %}: the dashboard panel for the request's user, used on the admin index."""

from django import template

from projects.exceptions import NotAllowed

register = template.Library()


@register.inclusion_tag("admin/projects/dashboard_panel.html", takes_context=True)
def tracker_dashboard(context):
    from projects.admin.dashboard import dashboard_context

    request = context["request"]
    try:
        return {"request": request, "on_index": True, **dashboard_context(request)}
    except NotAllowed:
        return {"dash": None}
