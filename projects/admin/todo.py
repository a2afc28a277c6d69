"""我的待办 in the admin: /admin/todo/ (the full list) and the panel at the top of the admin home,
the first page after login. The data is services.todo.todo_for, as GET /api/me/todo/ gives it."""

import datetime

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from projects.exceptions import NotAllowed
from projects.services.todo import todo_for


def parse_on(value):
    """The `on` parameter (YYYY-MM-DD): the day the list is drawn up for; None for today or a bad value."""
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def todo_view(request):
    """GET /admin/todo/?on=YYYY-MM-DD."""
    try:
        todo = todo_for(user=request.user, today=parse_on(request.GET.get("on")))
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    return TemplateResponse(request, "admin/projects/todo.html", {
        **admin.site.each_context(request), "title": _("My to-do"), "todo": todo,
    })


urlpatterns = [
    path("", admin.site.admin_view(todo_view), name="tracker_todo"),
]
