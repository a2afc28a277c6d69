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


@register.inclusion_tag("admin/projects/todo_panel.html", takes_context=True)
def tracker_todo(context):
    """我的待办 for the request's user (nothing for an account without a tracker role)."""
    from projects.services.todo import todo_for

    try:
        return {"todo": todo_for(user=context["request"].user), "on_index": True}
    except NotAllowed:
        return {"todo": None}
