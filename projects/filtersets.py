"""FilterSets of the API: each relation by id and by a readable key, dates by range, plus `q`.

Values are checked as strictly as the schema states them: a boolean is true or false (also 1/0, any
case), an integer is a whole number; anything else answers 400 naming the parameter, rather than being
ignored (django-filter's default) or read as a fraction. An empty value means "no filter"
(the browsable API's forms send every field; the schema says so with allowEmptyValue)."""

from copy import deepcopy

import django_filters as filters
from django import forms
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.widgets import BooleanWidget

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


BOOLEAN_WORDS = {"true": True, "false": False, "1": True, "0": False}


class StrictBooleanWidget(BooleanWidget):
    """true/false/1/0 (any case) as True/False; an empty value as None; anything else as sent, for the
    field to refuse."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return BOOLEAN_WORDS.get(value.lower(), value)
        return value


class StrictBooleanField(forms.NullBooleanField):
    widget = StrictBooleanWidget

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        raise forms.ValidationError(_("Must be true or false."), code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(filters.NumberFilter):
    """A whole number (django-filter's NumberFilter reads "1.5" and "1e3" too)."""

    field_class = forms.IntegerField


# The longest text a text filter takes (names, codes, the search text `q`): longer than any name the
# library holds, short enough that no filter makes the database do much work. Longer: 400 max_length
# (stated as the schema's maxLength, projects/api/schema.py), never a query the database refuses.
TEXT_FILTER_MAX_LENGTH = 200


class TextFilter(filters.CharFilter):
    """A text filter of at most TEXT_FILTER_MAX_LENGTH characters."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", TEXT_FILTER_MAX_LENGTH)
        super().__init__(*args, **kwargs)


STRICT_DEFAULTS = deepcopy(FILTER_FOR_DBFIELD_DEFAULTS)
for _field in (models.AutoField, models.BigAutoField, models.BigIntegerField, models.IntegerField,
               models.PositiveBigIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
               models.SmallAutoField, models.SmallIntegerField):
    STRICT_DEFAULTS[_field] = {"filter_class": IntegerFilter}
STRICT_DEFAULTS[models.BooleanField] = {"filter_class": BooleanFilter}
for _field in (models.CharField, models.TextField, models.SlugField, models.EmailField, models.URLField):
    STRICT_DEFAULTS[_field] = {"filter_class": TextFilter}


class FilterSet(filters.FilterSet):
    """Filters generated from model fields are the strict ones above."""

    FILTER_DEFAULTS = STRICT_DEFAULTS


def by_id(field, model, label):
    return filters.ModelChoiceFilter(field_name=field, queryset=model.objects.all(), label=label)


def by_name(field, label):
    return TextFilter(field_name=field, label=label)


class ProjectFilterSet(FilterSet):
    q = TextFilter(method="search", label=_("Text in the name, English name or aliases"))
    stage = filters.MultipleChoiceFilter(choices=Stage.choices)
    category = filters.MultipleChoiceFilter(choices=Category.choices)
    key_level = filters.MultipleChoiceFilter(choices=KeyLevel.choices)
    zone = by_id("zone", Zone, _("Zone (id)"))
    zone_code = by_name("zone__code", _("Zone (code)"))
    unit = filters.ModelChoiceFilter(field_name="lead_unit", queryset=Unit.objects.all(), method="filter_unit",
                                     label=_("Lead or cooperating unit (id)"))
    unit_name = TextFilter(method="filter_unit_name", label=_("Lead or cooperating unit (name)"))
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
    plan_year = IntegerFilter(method="filter_plan_year", label=_("Has an annual plan for this year"))
    include_archived = BooleanFilter(method="keep", label=_("Include archived projects"))
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

    def filter_plan_year(self, queryset, name, value: int):
        return queryset.filter(Exists(AnnualPlan.objects.filter(project=OuterRef("pk"), year=value)))


class ZoneFilterSet(FilterSet):
    q = TextFilter(method="search", label=_("Text in the name"))

    class Meta:
        model = Zone
        fields = ["code", "kind", "name"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(name_en__icontains=value) | Q(code__icontains=value))


class ArchivedHidden(FilterSet):
    """Lists leave archived records out unless `include_archived=true` (or `is_archived` is asked for)."""

    include_archived = BooleanFilter(method="keep", label=_("Include archived records"))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("include_archived") and data.get("is_archived") is None:
            queryset = queryset.filter(is_archived=False)
        return queryset

    def keep(self, queryset, name, value):
        return queryset


class UnitFilterSet(ArchivedHidden):
    q = TextFilter(method="search", label=_("Text in the name"))
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


class ProgrammeFilterSet(FilterSet):
    class Meta:
        model = Programme
        fields = ["code", "year"]


class AnnualPlanFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    year_min = IntegerFilter(field_name="year", lookup_expr="gte")
    year_max = IntegerFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = AnnualPlan
        fields = ["project", "year"]


class PlanRevisionFilterSet(FilterSet):
    project = by_id("plan__project", Project, _("Project (id)"))
    project_name = by_name("plan__project__name", _("Project (name)"))
    year = IntegerFilter(field_name="plan__year")

    class Meta:
        model = PlanRevision
        fields = ["plan", "effective_month"]


class MilestoneFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    planned_date = filters.DateFromToRangeFilter()
    actual_date = filters.DateFromToRangeFilter()
    reached = BooleanFilter(field_name="actual_date", lookup_expr="isnull", exclude=True,
                                    label=_("Has an actual date"))

    class Meta:
        model = Milestone
        fields = ["project", "kind"]


class SourceFilterSet(FilterSet):
    record_type = TextFilter(field_name="content_type__model", label=_("Kind of record"))
    record_id = IntegerFilter(field_name="object_id", label=_("Record id"))

    class Meta:
        model = Source
        fields = ["document"]


class MonthlyReportFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    reporting_unit_name = by_name("reporting_unit__name", _("Reporting unit (name)"))
    year_min = IntegerFilter(field_name="year", lookup_expr="gte")
    year_max = IntegerFilter(field_name="year", lookup_expr="lte")

    class Meta:
        model = MonthlyReport
        fields = ["project", "year", "month", "status", "reporting_unit", "is_correction"]


class BulletinFilterSet(FilterSet):
    class Meta:
        model = Bulletin
        fields = ["year", "month", "status"]


class BulletinEntryFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    year = IntegerFilter(field_name="bulletin__year")
    month = IntegerFilter(field_name="bulletin__month")

    class Meta:
        model = BulletinEntry
        fields = ["bulletin", "project", "category", "light", "report_missing"]


class MeetingFilterSet(FilterSet):
    date = filters.DateFromToRangeFilter()
    chair_name = by_name("chair__name", _("Chair (name)"))
    project = by_id("items__project", Project, _("Discussed project (id)"))

    class Meta:
        model = Meeting
        fields = ["kind", "chair"]


class MeetingItemFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))

    class Meta:
        model = MeetingItem
        fields = ["meeting", "project"]


class DecisionFilterSet(FilterSet):
    date = filters.DateFromToRangeFilter(field_name="meeting__date")

    class Meta:
        model = Decision
        fields = ["meeting"]


class WeeklyPlanFilterSet(FilterSet):
    unit_name = by_name("unit__name", _("Unit (name)"))
    week_start = filters.DateFromToRangeFilter()

    class Meta:
        model = WeeklyPlan
        fields = ["unit", "meeting"]


class ProblemFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    responsible_unit_name = by_name("responsible_unit__name", _("Responsible unit (name)"))
    raised_on = filters.DateFromToRangeFilter()
    deadline = filters.DateFromToRangeFilter()
    q = TextFilter(method="search", label=_("Text in the title or description"))

    class Meta:
        model = Problem
        fields = ["project", "status", "category", "origin", "responsible_unit", "meeting"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))


class ProblemActionFilterSet(FilterSet):
    project = by_id("problem__project", Project, _("Project (id)"))
    project_name = by_name("problem__project__name", _("Project (name)"))
    date = filters.DateFromToRangeFilter()

    class Meta:
        model = ProblemAction
        fields = ["problem", "status_after"]


class ReviewFilterSet(FilterSet):
    class Meta:
        model = Review
        fields = ["year", "quarter", "status"]


class ReviewCriterionFilterSet(FilterSet):
    class Meta:
        model = ReviewCriterion
        fields = ["review", "name"]


class ReviewScoreFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    reviewer_name = by_name("reviewer__name", _("Reviewer (name)"))

    class Meta:
        model = ReviewScore
        fields = ["review", "project", "reviewer", "criterion"]


class ReviewRankingFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))

    class Meta:
        model = ReviewRanking
        fields = ["review", "project", "category", "is_top", "is_bottom"]


class EvaluationFilterSet(FilterSet):
    class Meta:
        model = Evaluation
        fields = ["year", "kind", "status"]


class EvaluationResultFilterSet(FilterSet):
    project = by_id("project", Project, _("Project (id)"))
    project_name = by_name("project__name", _("Project (name)"))
    unit_name = by_name("unit__name", _("Unit (name)"))

    class Meta:
        model = EvaluationResult
        fields = ["evaluation", "subject", "project", "unit"]
