"""GET /api/dashboard/?year=&month=: the dashboard's data (services.dashboard) as JSON for
integrators (the city platform, BI tools). The serializers below both render the answer and
document it in the OpenAPI schema."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from projects.api.query import KnownQueryParamsMixin
from projects.api.schema import OptionalParameter
from projects.choices import Light, ProblemStatus, Role
from projects.services.dashboard import (
    MONTH_CURRENT,
    MONTH_LATEST_ACCEPTED,
    MONTH_LATEST_ANY,
    MONTH_REQUESTED,
    dashboard_data,
)


def money():
    return serializers.DecimalField(max_digits=16, decimal_places=2, help_text=_("万元"))


def rate(help_text):
    return serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, help_text=help_text)


class DashboardQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    month = serializers.IntegerField(required=False, min_value=1, max_value=12)

    def validate(self, attrs):
        if ("year" in attrs) != ("month" in attrs):
            missing = "month" if "year" in attrs else "year"
            raise serializers.ValidationError({missing: [serializers.ErrorDetail(
                _("Give both the year and the month, or neither."), code="year_and_month")]})
        return attrs


class DashboardTotalsSerializer(serializers.Serializer):
    plan_in_force = money()
    completed_ytd = money()
    completed_month = money()
    completion_rate = rate(_("Completed YTD ÷ plan in force, in %."))
    gap_points = rate(_("Completion rate − time progress, in percentage points."))


class DashboardMonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    completed_ytd = money()
    planned_to_date = money()


class DashboardGroupSerializer(serializers.Serializer):
    key = serializers.CharField(help_text=_("Zone name or category code; empty for projects without a zone."))
    label = serializers.CharField()
    count = serializers.IntegerField()
    plan_in_force = money()
    completed_ytd = money()
    completion_rate = rate(_("In %."))
    green = serializers.IntegerField()
    yellow = serializers.IntegerField()
    red = serializers.IntegerField()


class DashboardLightSerializer(serializers.Serializer):
    light = serializers.ChoiceField(choices=Light.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    url = serializers.CharField(allow_null=True, help_text=_(
        "Admin page listing these projects of the month; null when there are none."))


class DashboardProjectSerializer(serializers.Serializer):
    project_id = serializers.IntegerField()
    project_name = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    unit_name = serializers.CharField()
    plan_in_force = money()
    completed_ytd = money()
    completion_rate = rate(_("In %."))
    gap_points = rate(_("In percentage points."))
    light = serializers.ChoiceField(choices=Light.choices)
    url = serializers.CharField(help_text=_("Admin page of the project."))


class DashboardProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField()
    responsible_unit = serializers.CharField()
    deadline = serializers.DateField()
    days_overdue = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ProblemStatus.choices)
    status_label = serializers.CharField()
    url = serializers.CharField()


class DashboardProblemsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("All overdue problems, however many are listed."))
    url = serializers.CharField(allow_null=True)
    truncated = serializers.BooleanField(help_text=_("True when only the oldest 100 are listed in items."))
    items = DashboardProblemSerializer(many=True)


class DashboardWarningSerializer(serializers.Serializer):
    project_id = serializers.IntegerField()
    project_name = serializers.CharField()
    unit_name = serializers.CharField()
    light = serializers.ChoiceField(choices=Light.choices, help_text=_("The light of the month."))
    light_label = serializers.CharField()
    completion_rate = rate(_("In %."))
    gap_points = rate(_("In percentage points."))
    run_rate = money()
    year_end_ytd = money()
    year_end_rate = rate(_("The completion rate forecast for December, in %."))
    yellow_month = serializers.IntegerField(allow_null=True, help_text=_(
        "The month a green project is forecast to turn yellow; null for a yellow project or none this year."))
    red_month = serializers.IntegerField(allow_null=True, help_text=_(
        "The month the project is forecast to turn red; null: not this year."))
    text = serializers.CharField(help_text=_("The forecast in words, as on the dashboard."))
    url = serializers.CharField(help_text=_("The project sheet."))


class DashboardWarningsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("All projects with an early warning, however many are listed."))
    truncated = serializers.BooleanField(help_text=_("True when only the first 100 are listed in items."))
    url = serializers.CharField(allow_null=True, help_text=_(
        "Admin page listing all of them; null when there are none."))
    items = DashboardWarningSerializer(many=True)


class DashboardMissingProjectSerializer(serializers.Serializer):
    project_id = serializers.IntegerField()
    project_name = serializers.CharField()
    url = serializers.CharField()


class DashboardMissingUnitSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField(allow_null=True)
    unit_name = serializers.CharField()
    count = serializers.IntegerField(help_text=_(
        "All projects of the unit missing the report, however many are listed."))
    projects = DashboardMissingProjectSerializer(many=True)


class DashboardMissingSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    truncated = serializers.BooleanField(help_text=_(
        "True when only the first 100 projects are listed (units by name, then projects by name)."))
    units = DashboardMissingUnitSerializer(many=True)


class DashboardMonthBasisSerializer(serializers.Serializer):
    accepted = serializers.IntegerField()
    planned = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    month_source = serializers.ChoiceField(
        choices=[MONTH_REQUESTED, MONTH_LATEST_ACCEPTED, MONTH_LATEST_ANY, MONTH_CURRENT],
        help_text=_("How the month was chosen: requested; latest_accepted (the default: the latest month in "
                    "which most projects with a plan that year have an accepted report); latest_any (no month "
                    "has most: the latest with an accepted report); current (no accepted report at all)."))
    month_basis = DashboardMonthBasisSerializer(allow_null=True, help_text=_(
        "For a default month: projects with a plan that year (planned) and those with an accepted report "
        "for the month (accepted); null for a requested month."))
    as_of = serializers.DateField(help_text=_("Problems count as overdue on this day: the month's end, or today."))
    time_progress = rate(_("Share of the year elapsed at the end of the month, in %."))
    role = serializers.ChoiceField(choices=Role.choices)
    scope = serializers.CharField(help_text=_("Which projects the figures cover."))
    project_count = serializers.IntegerField()
    totals = DashboardTotalsSerializer()
    series = DashboardMonthSerializer(many=True)
    by_zone = DashboardGroupSerializer(many=True)
    by_category = DashboardGroupSerializer(many=True)
    lights = DashboardLightSerializer(many=True)
    best = DashboardProjectSerializer(many=True)
    worst = DashboardProjectSerializer(many=True)
    warnings = DashboardWarningsSerializer(help_text=_(
        "Early warning: green projects forecast to turn yellow or red before December and "
        "yellow ones forecast to turn red, at the run rate of the last months; the soonest change first."))
    overdue_problems = DashboardProblemsSerializer()
    missing_reports = DashboardMissingSerializer()


class DashboardView(KnownQueryParamsMixin, APIView):
    """The month's standing of the projects you are responsible for: office staff and auditors see
    every project, a leader his projects, a unit reporter its unit's (lead or cooperating)."""

    resource = "dashboard"
    takes_query_params = ("year", "month")

    @extend_schema(
        parameters=[
            OptionalParameter("year", {"type": "integer", "minimum": 2000, "maximum": 2100},
                              description=_("Year; give it with month, or neither.")),
            OptionalParameter("month", {"type": "integer", "minimum": 1, "maximum": 12}, description=_(
                "Month 1–12; without year and month, the latest month with an accepted report.")),
        ],
        responses={200: DashboardSerializer},
    )
    def get(self, request):
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = dashboard_data(request.user, query.validated_data.get("year"), query.validated_data.get("month"))
        return Response(DashboardSerializer(data).data)
