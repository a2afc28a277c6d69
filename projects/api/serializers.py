"""Serializers of the API. Money is a decimal string in 万元, dates ISO 8601, every choice field
comes with a `*_display` label in the user's language, every name in Chinese and English.

Every writable serializer derives from TrackerSerializer, which runs the model's own rules
(field validation, clean(), check and unique constraints) in `validate`, so that a violated
constraint is a 400 naming the field, never an IntegrityError."""

import copy

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import CheckConstraint, F, Q, UniqueConstraint
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.settings import api_settings

from projects.api.audit import ReasonSerializerMixin
from projects.choices import Light, ProblemStatus
from projects.permissions import STATUS_FIELDS, resource_of_model
from projects.services import bulletins as bulletin_services
from projects.services import reports as report_services
from projects.validators import LONG_TEXT, SHORT_TEXT
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

MONEY = {"max_digits": 14, "decimal_places": 2}


def display(field):
    """The translated label of a choice field, next to its code."""
    return serializers.CharField(source=f"get_{field}_display", read_only=True)


def _condition_fields(node):
    """Field names a CheckConstraint's condition refers to, in order."""
    names = []
    for child in node.children if isinstance(node, Q) else []:
        if isinstance(child, Q):
            names += _condition_fields(child)
        else:
            lookup, value = child
            names.append(lookup.split("__")[0])
            if isinstance(value, F):
                names.append(value.name.split("__")[0])
    return names


def constraint_fields(constraint):
    if isinstance(constraint, UniqueConstraint):
        return list(constraint.fields)
    if isinstance(constraint, CheckConstraint):
        return _condition_fields(constraint.condition)
    return []


def json_type_error(field, value):
    """The error for a JSON value not of the type the schema gives the field, or None. DRF reads 5 as
    the text "5", "5" as the number 5, "yes" as true; the schema says string, integer, boolean, and
    a request that breaks it is refused (the fuzz's negative mode, test_fuzz_api.py)."""
    if value is None or field.read_only:
        return None  # null: the field's own allow_null decides
    if isinstance(field, serializers.BooleanField):
        ok = isinstance(value, bool)
    elif isinstance(field, (serializers.IntegerField, serializers.PrimaryKeyRelatedField)):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(field, serializers.DecimalField):
        ok = isinstance(value, str)  # COERCE_DECIMAL_TO_STRING: the schema says string
    elif isinstance(field, (serializers.CharField, serializers.DateField, serializers.DateTimeField)):
        ok = isinstance(value, str)
    elif isinstance(field, serializers.ChoiceField):
        kinds = {type(key) for key in field.choices}
        ok = not isinstance(value, bool) and (type(value) in kinds or not kinds)
    elif isinstance(field, serializers.ManyRelatedField):
        return next((error for item in value if (error := json_type_error(field.child_relation, item))), None) \
            if isinstance(value, list) else None  # not a list: DRF says so
    else:
        return None
    if ok:
        return None
    return ErrorDetail(_("Wrong type: %(kind)s expected.") % {"kind": json_kind(field)}, code="invalid")


def json_kind(field):
    if isinstance(field, serializers.BooleanField):
        return "true / false"
    if isinstance(field, (serializers.IntegerField, serializers.PrimaryKeyRelatedField)):
        return _("a whole number")
    return _("a string")


# The most ids a list of related records takes (a project's cooperating units, a review's projects):
# far more than any record has, few enough that a request cannot tie up a worker.
MAX_IDS = 200


class IdListField(serializers.ManyRelatedField):
    """A list of ids of related records: at most MAX_IDS (400 max_length, before any query),
    duplicates counted once (in the order first given), looked up in one query (DRF's own looks up
    each id on its own)."""

    max_items = MAX_IDS
    default_error_messages = {"max_length": serializers.ListField.default_error_messages["max_length"]}

    def to_internal_value(self, data):
        if isinstance(data, (str, dict)) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        data = list(data)
        if not self.allow_empty and not data:
            self.fail("empty")
        if len(data) > self.max_items:
            self.fail("max_length", max_length=self.max_items)
        child = self.child_relation
        queryset = child.get_queryset()
        pk_field = queryset.model._meta.pk
        ids = []
        for item in data:
            try:
                if isinstance(item, bool) or not isinstance(item, (int, str)):
                    raise TypeError(item)
                ids.append(pk_field.to_python(item))
            except (TypeError, DjangoValidationError):
                child.fail("incorrect_type", data_type=type(item).__name__)
        ids = list(dict.fromkeys(ids))
        # An id beyond 64 bits names no record (and SQLite cannot even bind it).
        possible = [pk for pk in ids if not isinstance(pk, int) or -(2 ** 63) <= pk < 2 ** 63]
        found = {obj.pk: obj for obj in queryset.filter(pk__in=possible)} if possible else {}
        missing = next((pk for pk in ids if pk not in found), None)
        if missing is not None:
            child.fail("does_not_exist", pk_value=missing)
        return [found[pk] for pk in ids]


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record by id; `many=True` is an IdListField."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS})
        return IdListField(**list_kwargs)


class JSONTypes:
    """Serializer mixin: in a JSON body, each value has the JSON type the schema gives its field (forms
    and multipart bodies carry only text, which the fields parse)."""

    def to_internal_value(self, data):
        if isinstance(data, dict) and not hasattr(data, "getlist"):
            errors = {}
            for name, field in self.fields.items():
                if name in data and (error := json_type_error(field, data[name])) is not None:
                    errors[name] = [error]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class TrackerSerializer(JSONTypes, ReasonSerializerMixin, serializers.ModelSerializer):
    """Runs the model's validation on the instance as it would be saved."""

    serializer_related_field = IdRelatedField

    def get_validators(self):
        # Unique-together checks run with the model's constraints in validate(), with their messages.
        return []

    def to_internal_value(self, data):
        # Fields that change only through actions (projects/permissions.py, STATUS_FIELDS) are read
        # only; a body asking for another value is refused rather than silently ignored.
        errors = {}
        resource = resource_of_model(self.Meta.model)
        status_fields = STATUS_FIELDS.get(resource.name, {}) if resource else {}
        for name, actions in status_fields.items():
            if not hasattr(data, "get") or name not in data or name not in self.fields:
                continue
            model_field = self.Meta.model._meta.get_field(name)
            current = getattr(self.instance, name) if self.instance is not None else model_field.get_default()
            try:
                sent = None if data[name] is None else self.fields[name].to_internal_value(data[name])
            except (serializers.ValidationError, TypeError, ValueError):
                sent = data[name]
            if sent != current:
                errors[name] = [ErrorDetail(
                    _("This field changes only through the actions: %(actions)s.") % {"actions": actions},
                    code="read_only")]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def build_instance(self, attrs):
        model = self.Meta.model
        instance = copy.copy(self.instance) if self.instance is not None else model()
        concrete = {f.name for f in model._meta.concrete_fields}
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        return instance

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.build_instance(attrs)
        submitted = set(attrs)
        errors = {}

        def add(error, fallback_fields=()):
            for field, messages in error.update_error_dict({}).items():
                if field == NON_FIELD_ERRORS:
                    field = next((f for f in fallback_fields if f in submitted), api_settings.NON_FIELD_ERRORS_KEY)
                for message in DjangoValidationError(messages).error_list:
                    text = message.message % message.params if message.params else message.message
                    errors.setdefault(field, []).append(ErrorDetail(str(text), code=message.code or "invalid"))

        exclude = {f.name for f in instance._meta.fields if f.name not in submitted}
        try:
            instance.clean_fields(exclude=exclude)
            instance.clean()
        except DjangoValidationError as error:
            add(error)
        for constraint in instance._meta.constraints:
            fields = constraint_fields(constraint)
            try:
                constraint.validate(type(instance), instance)
            except DjangoValidationError as error:
                code = "unique" if isinstance(constraint, UniqueConstraint) else "constraint"
                for message in error.error_list:
                    message.code = message.code if message.code not in (None, "unique_together") else code
                add(error, fallback_fields=fields)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- the project library -----------------------------------------------------------------------


class SourceSerializer(TrackerSerializer):
    SOURCED = {
        m._meta.model_name: m
        for m in (Zone, Unit, Leader, Programme, Project, AnnualPlan, Milestone, MonthlyReport, Meeting, Problem)
    }
    record_type = serializers.ChoiceField(
        choices=sorted(SOURCED), source="content_type.model", help_text=_("The kind of record the quote supports.")
    )
    record_id = serializers.IntegerField(source="object_id", min_value=1)

    class Meta:
        model = Source
        fields = ["id", "document", "quote", "supports", "record_type", "record_id"]

    def validate(self, attrs):
        content = attrs.pop("content_type", None)
        if content is not None:
            model = self.SOURCED[content["model"]]
            attrs["content_type"] = ContentType.objects.get_for_model(model)
        content_type = attrs.get("content_type") or self.instance.content_type
        object_id = attrs.get("object_id") or self.instance.object_id
        if not content_type.model_class().objects.filter(pk=object_id).exists():
            raise serializers.ValidationError({"record_id": [ErrorDetail(str(_("No such record.")), code="does_not_exist")]})
        return super().validate(attrs)


class ZoneSerializer(TrackerSerializer):
    kind_display = display("kind")

    class Meta:
        model = Zone
        fields = ["id", "code", "name", "name_en", "kind", "kind_display", "area_km2", "description"]


class UnitSerializer(TrackerSerializer):
    kind_display = display("kind")

    class Meta:
        model = Unit
        fields = ["id", "name", "name_en", "kind", "kind_display", "parent", "is_archived"]
        read_only_fields = ["is_archived"]


class LeaderSerializer(TrackerSerializer):
    body_display = display("body")

    class Meta:
        model = Leader
        fields = ["id", "name", "title", "body", "body_display", "unit", "is_archived"]
        read_only_fields = ["is_archived"]


class ProgrammeSerializer(TrackerSerializer):
    class Meta:
        model = Programme
        fields = [
            "id", "code", "year", "label", "name", "name_en", "description",
            "planned_project_count", "planned_reserve", "planned_preparation", "planned_new",
            "planned_continuing", "planned_completed", "total_investment_target", "annual_investment_target",
            "reported_as_of", "reported_project_count", "reported_total_investment",
            "reported_completed_investment", "reported_completion_rate",
        ]


class PlanRevisionSerializer(TrackerSerializer):
    class Meta:
        model = PlanRevision
        fields = ["id", "plan", "effective_month", "planned_investment", "reason", "revised_on", "revised_by"]
        read_only_fields = ["revised_by"]


class AnnualPlanSerializer(TrackerSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = AnnualPlan
        fields = ["id", "project", "project_name", "year", "planned_investment", "target", "is_draft", "version"]


class MilestoneSerializer(TrackerSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    kind_display = display("kind")

    class Meta:
        model = Milestone
        fields = ["id", "project", "project_name", "kind", "kind_display", "name", "planned_date", "actual_date",
                  "note"]


PROJECT_FIELDS = [
    "id", "code", "name", "name_en", "aliases", "category", "category_display", "zone", "zone_name",
    "stage", "stage_display", "key_level", "key_level_display", "total_investment", "planned_start",
    "planned_completion", "leaders", "lead_unit", "lead_unit_name", "cooperating_units", "parent",
    "programmes", "description", "is_archived", "version", "created_at", "updated_at",
]
PROGRESS_FIELDS = ["progress_year", "progress_month", "plan_baseline", "plan_in_force", "completed_ytd",
                   "report_month", "completion_rate", "light"]


class ProjectSerializer(TrackerSerializer):
    """A project with its annual plans, milestones and sources (read-only lists; write them at
    /api/annual-plans/, /api/milestones/ and /api/sources/)."""

    category_display = display("category")
    stage_display = display("stage")
    key_level_display = display("key_level")
    zone_name = serializers.CharField(source="zone.name", read_only=True, allow_null=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True, allow_null=True)
    progress_year = serializers.SerializerMethodField()
    progress_month = serializers.SerializerMethodField()
    plan_baseline = serializers.DecimalField(**MONEY, read_only=True, allow_null=True,
                                             help_text=_("Annual plan as first set (万元)."))
    plan_in_force = serializers.DecimalField(**MONEY, read_only=True, allow_null=True,
                                             help_text=_("Annual plan in force in the progress month (万元)."))
    completed_ytd = serializers.DecimalField(**MONEY, read_only=True, allow_null=True,
                                             help_text=_("Completed investment year-to-date, accepted reports (万元)."))
    report_month = serializers.IntegerField(read_only=True, allow_null=True,
                                            help_text=_("Month of the accepted report used."))
    completion_rate = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True,
                                               help_text=_("completed_ytd ÷ plan_in_force × 100 (%)."))
    light = serializers.SerializerMethodField(help_text=_(
        "Schedule light of the progress month: the completion rate against time progress, yellow without "
        "an accepted report (the bulletin also weighs overdue milestones and problems)."))
    annual_plans = AnnualPlanSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = PROJECT_FIELDS + PROGRESS_FIELDS + ["annual_plans", "milestones", "sources"]
        read_only_fields = ["is_archived"]
        # A new project's category and stage are stated, not assumed (the model's defaults are not
        # applied through the API): a create without them answers 400 naming the field.
        extra_kwargs = {"category": {"required": True}, "stage": {"required": True}}

    def get_progress_year(self, obj) -> int | None:
        return self.context.get("progress", (None, None))[0]

    def get_progress_month(self, obj) -> int | None:
        return self.context.get("progress", (None, None))[1]

    @extend_schema_field(serializers.ChoiceField(choices=Light.choices))
    def get_light(self, obj):
        from projects.api.project_list import schedule_light

        month = self.context.get("progress", (None, None))[1]
        return schedule_light(getattr(obj, "completion_rate", None), month, getattr(obj, "report_month", None))


class ProjectListSerializer(ProjectSerializer):
    """The light row of the project list, with its standing in the progress month. The list view
    builds these rows without instances (projects/api/project_list.py), to the same shape."""

    class Meta(ProjectSerializer.Meta):
        fields = PROJECT_FIELDS + PROGRESS_FIELDS


class ArchiveSerializer(serializers.Serializer):
    """No input: archiving and unarchiving take none."""


class NoInputSerializer(serializers.Serializer):
    """No input: the action takes none (submit, accept, publish)."""


class ReturnSerializer(JSONTypes, serializers.Serializer):
    reason = serializers.CharField(label=_("reason for return"), max_length=SHORT_TEXT)


class ProblemCloseSerializer(JSONTypes, serializers.Serializer):
    resolution = serializers.CharField(label=_("resolution"), max_length=LONG_TEXT)
    resolved_on = serializers.DateField(label=_("resolved on"))


class ProblemEscalateSerializer(JSONTypes, serializers.Serializer):
    text = serializers.CharField(label=_("action"), max_length=LONG_TEXT)


# --- the tracking mechanism -------------------------------------------------------------------


class LightReasonSerializer(serializers.Serializer):
    """Why a project has its light: one reason of the bulletin's rule."""

    code = serializers.ChoiceField(
        choices=["far_behind_schedule", "behind_schedule", "milestone_overdue", "problem_overdue", "report_missing"],
        help_text="原因代码：far_behind_schedule 落后序时进度超过红灯阈值，behind_schedule 落后超过黄灯阈值，"
                  "milestone_overdue 节点逾期，problem_overdue 问题逾期未解决，report_missing 当月无已审核月报。 / The "
                  "reason: far_behind_schedule (behind time progress beyond the red threshold), behind_schedule "
                  "(beyond the yellow one), milestone_overdue, problem_overdue, report_missing (no accepted report "
                  "for the month).")
    text = serializers.CharField(help_text="原因说明（按 Accept-Language）。 / The reason in words, in the caller's "
                                           "language.")


class ReportListSerializer(serializers.ListSerializer):
    """A page of reports: their standings (rate, light) computed together, in three queries."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        standings = bulletin_services.report_standings(items)
        for item in items:
            item._standing = standings[item.pk]
        return super().to_representation(items)


class MonthlyReportSerializer(TrackerSerializer):
    """A monthly report. It is created as a draft; submit, accept and return are actions."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    status_display = display("status")
    plan_in_force = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True, source="_standing.plan_in_force",
        help_text="该月有效的年度计划投资（万元，含计划调整）；该年无计划为 null。 / The annual plan in force that month "
                  "(万元, revisions included); null without a plan that year.")
    completion_rate = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True, source="_standing.completion_rate",
        help_text="完成率（%）= 累计完成 ÷ 该月有效计划 × 100，与通报的算法相同；无计划为 null。 / Completion rate (%) = "
                  "completed YTD ÷ the plan in force × 100, as the bulletin computes it; null without a plan.")
    time_progress = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, source="_standing.time_progress",
        help_text="序时进度（%）= 月份 ÷ 12 × 100。 / Time progress (%) = month ÷ 12 × 100.")
    gap_points = serializers.DecimalField(
        max_digits=9, decimal_places=2, read_only=True, allow_null=True, source="_standing.gap_points",
        help_text="完成率减序时进度（百分点，负数为落后）。 / Completion rate minus time progress (points; negative: "
                  "behind).")
    light = serializers.ChoiceField(
        choices=Light.choices, read_only=True, source="_standing.light",
        help_text="按通报规则的红黄绿灯（视本月报为已收到）：落后序时进度 10 个百分点起为黄、超过 30 个为红（阈值可配置），"
                  "月末有逾期节点或逾期问题为红。 / The light by the bulletin's rule, counting this report as received: "
                  "yellow from 10 points behind time progress, red beyond 30 (configurable), red with a milestone "
                  "or problem overdue at the month's end.")
    light_display = serializers.SerializerMethodField(help_text="灯的名称（按 Accept-Language）。 / The light's label "
                                                                "in the caller's language.")
    light_reasons = LightReasonSerializer(many=True, read_only=True, source="_standing.reasons",
                                          help_text="亮灯原因。 / Why the light is not green.")

    def get_light_display(self, obj) -> str:
        return str(Light(obj._standing.light).label)

    def to_representation(self, instance):
        if getattr(instance, "_standing", None) is None:
            instance._standing = bulletin_services.report_standings([instance])[instance.pk]
        return super().to_representation(instance)

    class Meta:
        model = MonthlyReport
        fields = [
            "id", "project", "project_name", "year", "month", "completed_ytd", "progress_note", "problems_raised",
            "status", "status_display", "reporting_unit", "reporter_name", "is_correction", "correction_reason",
            "return_reason", "submitted_at", "submitted_by", "accepted_at", "accepted_by", "version",
            "plan_in_force", "completion_rate", "time_progress", "gap_points", "light", "light_display",
            "light_reasons",
        ]
        list_serializer_class = ReportListSerializer
        # The unit, the reporter's name and the version are set by report_save.
        read_only_fields = ["status", "return_reason", "submitted_at", "submitted_by", "accepted_at",
                            "accepted_by", "reporting_unit", "reporter_name", "version"]
        # FIXED_FIELDS of the role table (docs/roles.md): another value answers 400, code "fixed".
        extra_kwargs = {
            "project": {"help_text": "月报所属项目，创建后不可更改。 / The project reported on; it never changes "
                                     "after the report is created (another value: 400, code fixed)."},
            "year": {"help_text": "报告年份。草稿可改；已报送期间以及审核通过之后（包括改为更正草稿）不可更改。 / The year "
                                  "reported. A draft may be re-dated; while submitted, and once accepted (also as "
                                  "a draft correction), the period is fixed (another value: 400, code fixed)."},
            "month": {"help_text": "报告月份（1–12），规则同 year。 / The month reported (1–12); fixed like year."},
        }

    def validate(self, attrs):
        # The project, and once submitted or accepted the period, never change (FIXED_FIELDS of the
        # role table): 400 for every role, before the role's own checks (projects/permissions.py).
        if self.instance is not None:
            fixed = report_services.report_fixed_fields(
                self.instance, **{name: attrs.get(name, getattr(self.instance, name))
                                  for name in ("project", "year", "month")})
            if fixed:
                raise serializers.ValidationError({name: [ErrorDetail(message, code="fixed")]
                                                   for name, message in fixed.items()})
        # Name the field to fill (the model's constraint would name is_correction).
        is_correction = attrs.get("is_correction", getattr(self.instance, "is_correction", False))
        reason = attrs.get("correction_reason", getattr(self.instance, "correction_reason", ""))
        if is_correction and not (reason or "").strip():
            raise serializers.ValidationError({"correction_reason": [_("A correction needs a reason.")]},
                                              code="reason_required")
        return super().validate(attrs)


def _money(help_text, **kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=2, help_text=help_text, **kwargs)


class TotalsSerializer(serializers.Serializer):
    """The totals of one group of a bulletin's projects (all, a stage, a zone, a category, a
    programme, a unit)."""

    label = serializers.CharField(help_text="分组名称：阶段、类别代码，区域、推进计划或单位名称，或“全部项目”。 / The group: "
                                            "a stage or category code, a zone, programme or unit name, or all projects.")
    count = serializers.IntegerField(help_text="项目个数。 / Number of projects.")
    plan_in_force = _money("当月有效年度计划投资合计（万元）。 / Annual plans in force that month, summed (万元).")
    plan_baseline = _money("年初计划投资合计（万元）。 / Annual plans as first set, summed (万元).")
    drift = _money("计划调整额 = 有效计划 − 年初计划（万元）。 / Plan revisions: in force minus baseline (万元).")
    completed_ytd = _money("本年累计完成投资合计（万元）。 / Completed this year, summed (万元).")
    completed_month = _money("当月完成投资合计（万元）。 / Completed in the month, summed (万元).")
    completion_rate = serializers.DecimalField(
        max_digits=9, decimal_places=2, allow_null=True,
        help_text="完成率（%）= 累计完成 ÷ 有效计划 × 100；计划为 0 时为 null。 / Completion rate (%) = completed "
                  "÷ plan in force × 100; null when the plan is 0.")
    green = serializers.IntegerField(help_text="绿灯项目数。 / Projects with a green light.")
    yellow = serializers.IntegerField(help_text="黄灯项目数。 / Projects with a yellow light.")
    red = serializers.IntegerField(help_text="红灯项目数。 / Projects with a red light.")


class BulletinTotalsSerializer(serializers.Serializer):
    """A bulletin's totals, frozen when it is published (empty before)."""

    all = TotalsSerializer(required=False, help_text="全部项目。 / All projects of the bulletin.")
    stage = TotalsSerializer(many=True, required=False, help_text="按项目阶段。 / By stage.")
    zone = TotalsSerializer(many=True, required=False, help_text="按区域。 / By zone.")
    category = TotalsSerializer(many=True, required=False, help_text="按项目类别。 / By category.")
    programme = TotalsSerializer(many=True, required=False, help_text="按推进计划（一个项目可属多个）。 / By "
                                                                      "programme (a project may be in several).")
    unit = TotalsSerializer(many=True, required=False, help_text="按牵头单位。 / By lead unit.")


@extend_schema_field(BulletinTotalsSerializer)
class BulletinTotalsField(serializers.JSONField):
    """The stored totals as they are, documented by BulletinTotalsSerializer."""


@extend_schema_field(LightReasonSerializer(many=True))
class LightReasonsField(serializers.JSONField):
    """The stored reasons as they are, documented by LightReasonSerializer."""


class ForecastSerializer(serializers.Serializer):
    """A project's early warning (预警) in a bulletin: where the run rate of the last months leads
    by December (docs/warning.md)."""

    month = serializers.IntegerField(help_text="预测所据月份（通报月份）。 / The month the forecast starts from "
                                               "(the bulletin's month).")
    base_month = serializers.IntegerField(help_text="计算月均进度的起始月份（0 为年初）。 / The month the run rate "
                                                    "is measured from (0: the start of the year).")
    run_rate = _money("近几个月月均完成投资（万元/月）。 / The run rate: investment completed a month over the "
                      "last months (万元 a month).")
    year_end_ytd = _money("按月均进度推算的年末累计完成（万元）。 / The YTD forecast for December (万元).")
    year_end_rate = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="推算的年末完成率（%）。 / The completion rate forecast for "
                                                   "December (%).")
    yellow_month = serializers.IntegerField(
        allow_null=True, help_text="按投资进度推算首次为黄灯或红灯的月份（等于 month 即当月已是）；不会则为 null。 / "
                                   "The first month whose forecast investment light is yellow or red (month itself: "
                                   "already); null: not this year.")
    red_month = serializers.IntegerField(
        allow_null=True, help_text="按投资进度推算首次为红灯的月份；不会则为 null。 / The first month whose forecast "
                                   "investment light is red; null: not this year.")
    text = serializers.CharField(help_text="通报“预警”栏的文字（按 Accept-Language），只列当前灯色之后的变化，如 "
                                           "“预计年底 75.00%，8月转黄”。 / The bulletin's early-warning cell in the "
                                           "caller's language, naming only the changes still ahead of the light.")


class BulletinEntrySerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    category_display = display("category")
    light_display = display("light")
    reasons = LightReasonsField(read_only=True, help_text="亮灯原因（发布时冻结）。 / Why the light is not green "
                                                          "(frozen at publication).")
    forecast = serializers.SerializerMethodField(
        help_text="预警（发布时冻结）：年末完成率及转黄、转红的月份；12 月、无计划或预警功能上线前发布的通报为 null。 / "
                  "The early warning frozen at publication; null in December, without a plan, or in bulletins "
                  "published before forecasts were kept.")

    @extend_schema_field(ForecastSerializer(allow_null=True))
    def get_forecast(self, entry):
        from projects.services.warning import Forecast, short_text

        forecast = Forecast.from_stored(entry.forecast)
        if forecast is None or forecast.year_end_rate is None:
            return None
        data = forecast.as_stored()
        data["text"] = short_text(forecast.year_end_rate, *forecast.changes_after(entry.light))
        return ForecastSerializer(data).data

    class Meta:
        model = BulletinEntry
        fields = [
            "id", "bulletin", "project", "project_name", "category", "category_display", "stage", "zone_name",
            "unit_name", "planned_investment", "baseline_investment", "completed_ytd", "completed_month",
            "completion_rate", "time_progress", "gap_points", "light", "light_display", "reasons",
            "rank_in_category", "report_missing", "forecast",
        ]
        read_only_fields = fields


class BulletinSerializer(serializers.ModelSerializer):
    status_display = display("status")
    totals = BulletinTotalsField(read_only=True, help_text="发布时冻结的合计（未发布为空对象）。 / The totals frozen "
                                                           "at publication (an empty object before).")

    class Meta:
        model = Bulletin
        fields = ["id", "year", "month", "status", "status_display", "title", "summary", "totals", "published_at",
                  "published_by", "superseded_at", "superseded_note"]
        read_only_fields = fields


class MeetingSerializer(TrackerSerializer):
    kind_display = display("kind")

    class Meta:
        model = Meeting
        fields = ["id", "kind", "kind_display", "date", "title", "chair", "units", "leaders", "location", "notes"]


class MeetingItemSerializer(TrackerSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = MeetingItem
        fields = ["id", "meeting", "project", "project_name", "discussion"]


class DecisionSerializer(TrackerSerializer):
    class Meta:
        model = Decision
        fields = ["id", "meeting", "text"]


class WeeklyPlanSerializer(TrackerSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = WeeklyPlan
        fields = ["id", "unit", "unit_name", "week_start", "content", "meeting", "filed_at", "filed_by"]
        read_only_fields = ["filed_at", "filed_by"]


class ProblemSerializer(TrackerSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    category_display = display("category")
    origin_display = display("origin")
    status_display = display("status")

    class Meta:
        model = Problem
        fields = [
            "id", "project", "project_name", "category", "category_display", "title", "description", "origin",
            "origin_display", "meeting", "decision", "report", "responsible_unit", "raised_on", "deadline",
            "status", "status_display", "resolution", "resolved_on", "version",
        ]
        read_only_fields = ["status", "resolution", "resolved_on"]


class StepStatusField(serializers.ChoiceField):
    """A problem action's status_after. A new step moves the problem to open or in progress only
    (projects/services/problems.py, problem_act); escalating and resolving are the problem's own
    actions. Answers show every step's status, escalations and resolutions too (`answer_choices`,
    stated for answers by projects/api/schema.py); an update may resend the step's own status."""

    def __init__(self, **kwargs):
        from projects.services.problems import ACT_STATUSES

        self.answer_choices = ProblemStatus.choices
        super().__init__(choices=[(s.value, s.label) for s in ACT_STATUSES], **kwargs)

    def to_internal_value(self, data):
        instance = getattr(self.parent, "instance", None)
        if instance is not None and not isinstance(instance, list) and data == instance.status_after:
            return data
        return super().to_internal_value(data)


class ProblemActionSerializer(TrackerSerializer):
    status_after_display = display("status_after")
    status_after = StepStatusField(
        required=False, allow_blank=True, label=ProblemAction._meta.get_field("status_after").verbose_name,
        help_text="记录后问题的状态：open 待办或 in_progress 办理中，留空则不变；提级和销号请用问题的 escalate、close "
                  "操作。 / The problem's status after this step: open or in_progress, or blank to leave it; "
                  "escalate and close are the problem's own actions.")

    class Meta:
        model = ProblemAction
        fields = ["id", "problem", "date", "text", "status_after", "status_after_display", "user"]
        read_only_fields = ["user"]


class ReviewSerializer(TrackerSerializer):
    status_display = display("status")

    class Meta:
        model = Review
        fields = ["id", "year", "quarter", "date", "title", "projects", "reviewers", "status", "status_display",
                  "published_at"]
        read_only_fields = ["status", "published_at"]


class ReviewCriterionSerializer(TrackerSerializer):
    class Meta:
        model = ReviewCriterion
        fields = ["id", "review", "name", "weight", "max_score"]


class ReviewScoreSerializer(TrackerSerializer):
    class Meta:
        model = ReviewScore
        fields = ["id", "review", "project", "reviewer", "criterion", "score", "comment", "scored_at"]
        read_only_fields = ["scored_at"]


class ReviewRankingSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    category_display = display("category")

    class Meta:
        model = ReviewRanking
        fields = ["id", "review", "project", "project_name", "category", "category_display", "score", "rank",
                  "is_top", "is_bottom"]
        read_only_fields = fields


class EvaluationSerializer(TrackerSerializer):
    kind_display = display("kind")
    status_display = display("status")

    class Meta:
        model = Evaluation
        fields = ["id", "year", "kind", "kind_display", "weight_completion", "weight_milestones", "weight_problems",
                  "weight_reviews", "status", "status_display", "published_at"]
        read_only_fields = ["status", "published_at"]


class EvaluationResultSerializer(serializers.ModelSerializer):
    subject_display = display("subject")

    class Meta:
        model = EvaluationResult
        fields = ["id", "evaluation", "subject", "subject_display", "project", "unit", "completion_score",
                  "milestone_score", "problem_score", "review_score", "total", "rank", "trace"]
        read_only_fields = fields


# --- accounts ----------------------------------------------------------------------------------


class TokenRequestSerializer(JSONTypes, serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_('Send it as "Authorization: Token <token>". It is shown only '
                                              "this once: the server keeps only its hash."))
    expiry = serializers.DateTimeField(help_text=_("When the token expires (TRACKER_API_TOKEN_DAYS after it was "
                                                   "issued); after that requests with it answer 401 token_expired."))


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField(help_text=_("ok, or error when a check failed (503)."))
    database = serializers.CharField(help_text=_("ok when the database answers a read."))
    database_write = serializers.CharField(help_text=_(
        "ok when the database accepts a write (tried and rolled back): error on a read-only database or a "
        "full disk."))
    error = serializers.CharField(required=False, help_text=_("What failed, as the database said it."))
