"""GET /api/me/todo/: 我的待办, the caller's to-do list (services.todo.todo_for), as the admin home
shows it. The serializers below render the answer and document it in the OpenAPI schema."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.api.query import KnownQueryParamsMixin
from projects.api.schema import OptionalParameter
from projects.choices import Role
from projects.services.todo import todo_for

ITEM_KINDS = ["report_due", "report_returned", "problem_assigned", "project_red", "project_yellow",
              "review_to_score", "problem_escalated", "report_to_accept", "bulletin_to_compile",
              "bulletin_to_publish", "problem_overdue", "unit_late"]
SECTION_KEYS = ["reports_due", "reports_returned", "problems_assigned", "projects_flagged", "reviews_to_score",
                "problems_escalated", "reports_to_accept", "bulletins", "problems_overdue", "units_late"]


class TodoQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text=_("The day the list is drawn up for (default today)."))


class TodoItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ITEM_KINDS)
    id = serializers.IntegerField(allow_null=True, help_text=_(
        "Id of the record the item is about: the report, problem, review, bulletin, project (report_due, "
        "project_red/yellow) or unit (unit_late); null for a bulletin not yet compiled."))
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    project_id = serializers.IntegerField(allow_null=True)
    project_name = serializers.CharField(allow_blank=True)
    due = serializers.DateField(allow_null=True, help_text=_("Due date or deadline, if any."))
    days_left = serializers.IntegerField(allow_null=True, help_text=_("Days until `due`; negative when overdue."))
    overdue = serializers.BooleanField()
    days_overdue = serializers.IntegerField()
    url = serializers.CharField(help_text=_("The admin page where the item is done."))


class TodoSectionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=SECTION_KEYS)
    title = serializers.CharField()
    count = serializers.IntegerField(help_text=_("Exact number of items; at most 20 are listed."))
    url = serializers.CharField(allow_null=True, help_text=_("The admin list with all the items."))
    items = TodoItemSerializer(many=True)


class TodoSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField()
    as_of = serializers.DateField()
    count = serializers.IntegerField(help_text=_("Sum of the sections' counts."))
    sections = TodoSectionSerializer(many=True)


class MyTodoView(KnownQueryParamsMixin, APIView):
    """Your to-do list (我的待办). A unit reporter: its unit's reports due and returned, the problems
    it is responsible for; a leader: his red and yellow projects, reviews to score, escalated
    problems; the project office: reports to accept, bulletins to compile or publish, overdue
    problems, units late with their reports; an auditor: nothing. Every role may read its own."""

    resource = "todo"
    takes_query_params = ("on",)

    @extend_schema(parameters=[OptionalParameter("on", OpenApiTypes.DATE, description=_("YYYY-MM-DD; default today."))],
                   responses={200: TodoSerializer})
    def get(self, request):
        query = TodoQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(TodoSerializer(todo_for(user=request.user, today=query.validated_data.get("on"))).data)
