"""FilterSets of the API: each relation by id and by a readable key, dates by range, plus `q`."""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from projects.choices import Category, KeyLevel, Stage
from projects.models import (
    AnnualPlan,
    Bulletin,
    BulletinEntry,
    Decision,
    Evaluation,
    EvaluationResult,
    Leader,
    Meeting,
    MeetingItem,
    Milestone,
    MonthlyReport,
    PlanRevision,
    Problem,
    ProblemAction,
    Programme,
    Project,
    Review,
    ReviewCriterion,
    ReviewRanking,
    ReviewScore,
    Source,
    Unit,
    WeeklyPlan,
    Zone,
)


def by_id(field, model, label):
    return filters.ModelChoiceFilter(field_name=field, queryset=model.objects.all(), label=label)


def by_name(field, label):
    return filters.CharFilter(field_name=field, label=label)


class ProjectFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Text in the name, English name or aliases"))
    stage = filters.MultipleChoiceFilter(choices=Stage.choices)
    category = filters.MultipleChoiceFilter(choices=Category.choices)
    key_level = filters.MultipleChoiceFilter(choices=KeyLevel.choices)
    zone = by_id("zone", Zone, _("Zone (id)"))
    zone_code = by_name("zone__code", _("Zone (code)"))
    unit = filters.ModelChoiceFilter(field_name="lead_unit", queryset=Unit.objects.all(), method="filter_unit",
                                     label=_("Lead or cooperating unit (id)"))
    unit_name = filters.CharFilter(method="filter_unit_name", label=_("Lead or cooperating unit (name)"))
    lead_unit = by_id("lead_unit", Unit, _("Lead unit (id)"))
    lead_unit_name = by_name("lead_unit__name", _("Lead unit (name)"))
    leader = by_id("leaders", Leader, _("Responsible leader (id)"))
    leader_name = by_name("leaders__name", _("Responsible leader (name)"))
    programme = by_id("programmes", Programme, _("Programme (id)"))
    programme_code = by_name("programmes__code", _("Programme (code)"))
    total_investment_min = filters.NumberFilter(field_name="total_investment", lookup_expr="gte",
                                                label=_("Total investment at least (万元)"))
    total_investment_max = filters.NumberFilter(field_name="total_investment", lookup_expr="lte",
                                                label=_("Total investment at most (万元)"))
    plan_year = filters.NumberFilter(method="filter_plan_year", label=_("Has an annual plan for this year"))
    include_archived = filters.BooleanFilter(method="keep", label=_("Include archived projects"))
    ordering = filters.OrderingFilter(fields=["name", "total_investment", "completion_rate"])

    class Meta:
        model = Project
        fields = ["code"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_archived"):
            queryset = queryset.filter(is_archived=False)
        return queryset

    def keep(self, queryset, name, value):
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(aliases__icontains=value))

    def _units(self, queryset, units):
        cooperating = Project.cooperating_units.through.objects.filter(project=OuterRef("pk"), unit__in=units)
        return queryset.filter(Q(lead_unit__in=units) | Q(Exists(cooperating)))

    def filter_unit(self, queryset, name, value):
        return self._units(queryset, [value.pk])

    def filter_unit_name(self, queryset, name, value):
        return self._units(queryset, Unit.objects.filter(name=value).values("pk"))

    def filter_plan_year(self, queryset, name, value):
        return queryset.filter(Exists(AnnualPlan.objects.filter(project=OuterRef("pk"), year=value)))


class ZoneFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Text in the name"))

    class Meta:
        model = Zone
        fields = ["code", "kind", "name"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(code__icontains=value))


class ArchivedHidden(filters.FilterSet):
    """Lists leave archived records out unless `include_archived=true` (or `is_archived` is asked for)."""

    include_archived = filters.BooleanFilter(method="keep", label=_("Include archived records"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("include_archived") and data.get("is_archived") is None:
            queryset = queryset.filter(is_archived=False)
        return queryset

    def keep(self, queryset, name, value):
        return queryset


class UnitFilterSet(ArchivedHidden):
    q = filters.CharFilter(method="search", label=_("Text in the name"))
    parent_name = by_name("parent__name", _("Parent unit (name)"))

    class Meta:
        model = Unit
        fields = ["name", "kind", "parent", "is_archived"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value))


class LeaderFilterSet(ArchivedHidden):
    unit_name = by_name("unit__name", _("Unit (name)"))

    class Meta:
        model = Leader
        fields = ["name", "body", "unit", "is_archived"]


class ProgrammeFilterSet(filters.FilterSet):
    class Meta:
        model = Programme
        fields = ["code", "year"]


class AnnualPlanFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    year_min = filters.NumberFilter(field_name="year", lookup_expr="gte")
    year_max = filters.NumberFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = AnnualPlan
        fields = ["project", "year"]


class PlanRevisionFilterSet(filters.FilterSet):
    project = by_id("plan__project", Project, _("Project (id)"))
    project_name = by_name("plan__project__name", _("Project (name)"))
    year = filters.NumberFilter(field_name="plan__year")

    class Meta:
        model = PlanRevision
        fields = ["plan", "effective_month"]


class MilestoneFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    planned_date = filters.DateFromToRangeFilter()
    actual_date = filters.DateFromToRangeFilter()
    reached = filters.BooleanFilter(field_name="actual_date", lookup_expr="isnull", exclude=True,
                                    label=_("Has an actual date"))

    class Meta:
        model = Milestone
        fields = ["project", "kind"]


class SourceFilterSet(filters.FilterSet):
    record_type = filters.CharFilter(field_name="content_type__model", label=_("Kind of record"))
    record_id = filters.NumberFilter(field_name="object_id", label=_("Record id"))

    class Meta:
        model = Source
        fields = ["document"]


class MonthlyReportFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    reporting_unit_name = by_name("reporting_unit__name", _("Reporting unit (name)"))
    year_min = filters.NumberFilter(field_name="year", lookup_expr="gte")
    year_max = filters.NumberFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = MonthlyReport
        fields = ["project", "year", "month", "status", "reporting_unit", "is_correction"]


class BulletinFilterSet(filters.FilterSet):
    class Meta:
        model = Bulletin
        fields = ["year", "month", "status"]


class BulletinEntryFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    year = filters.NumberFilter(field_name="bulletin__year")
    month = filters.NumberFilter(field_name="bulletin__month")

    class Meta:
        model = BulletinEntry
        fields = ["bulletin", "project", "category", "light", "report_missing"]


class MeetingFilterSet(filters.FilterSet):
    date = filters.DateFromToRangeFilter()
    chair_name = by_name("chair__name", _("Chair (name)"))
    project = by_id("items__project", Project, _("Discussed project (id)"))

    class Meta:
        model = Meeting
        fields = ["kind", "chair"]


class MeetingItemFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))

    class Meta:
        model = MeetingItem
        fields = ["meeting", "project"]


class DecisionFilterSet(filters.FilterSet):
    date = filters.DateFromToRangeFilter(field_name="meeting__date")

    class Meta:
        model = Decision
        fields = ["meeting"]


class WeeklyPlanFilterSet(filters.FilterSet):
    unit_name = by_name("unit__name", _("Unit (name)"))
    week_start = filters.DateFromToRangeFilter()

    class Meta:
        model = WeeklyPlan
        fields = ["unit", "meeting"]


class ProblemFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    responsible_unit_name = by_name("responsible_unit__name", _("Responsible unit (name)"))
    raised_on = filters.DateFromToRangeFilter()
    deadline = filters.DateFromToRangeFilter()
    q = filters.CharFilter(method="search", label=_("Text in the title or description"))

    class Meta:
        model = Problem
        fields = ["project", "status", "category", "origin", "responsible_unit", "meeting"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class ProblemActionFilterSet(filters.FilterSet):
    project = by_id("problem__project", Project, _("Project (id)"))
    project_name = by_name("problem__project__name", _("Project (name)"))
    date = filters.DateFromToRangeFilter()

    class Meta:
        model = ProblemAction
        fields = ["problem", "status_after"]


class ReviewFilterSet(filters.FilterSet):
    class Meta:
        model = Review
        fields = ["year", "quarter", "status"]


class ReviewCriterionFilterSet(filters.FilterSet):
    class Meta:
        model = ReviewCriterion
        fields = ["review", "name"]


class ReviewScoreFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    reviewer_name = by_name("reviewer__name", _("Reviewer (name)"))

    class Meta:
        model = ReviewScore
        fields = ["review", "project", "reviewer", "criterion"]


class ReviewRankingFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))

    class Meta:
        model = ReviewRanking
        fields = ["review", "project", "category", "is_top", "is_bottom"]


class EvaluationFilterSet(filters.FilterSet):
    class Meta:
        model = Evaluation
        fields = ["year", "kind", "status"]


class EvaluationResultFilterSet(filters.FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    unit_name = by_name("unit__name", _("Unit (name)"))

    class Meta:
        model = EvaluationResult
        fields = ["evaluation", "subject", "project", "unit"]
