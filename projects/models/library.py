"""The project library (项目库): who is responsible, where, in which plan, and with what figures."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator, MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.locking import Versioned
from projects.choices import (
    Category,
    KeyLevel,
    LeadingBody,
    MilestoneKind,
    Role,
    Stage,
    UnitKind,
    WebhookKind,
    ZoneKind,
)
from projects.querysets import ProjectQuerySet
from projects.validators import LONG_TEXT, SHORT_TEXT, text_limit, validate_project_code

def localized_name(name, name_en):
    """A record's name in the page's language: the English name on an English page where there is
    one, else the Chinese name (the names of record are Chinese)."""
    from django.utils.translation import get_language

    language = (get_language() or settings.LANGUAGE_CODE).lower()
    return name_en if name_en and not language.startswith("zh") else name


MONEY = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def money_field(verbose_name, **kwargs):
    """A sum of money in 万元 (10,000 yuan), never negative."""
    return models.DecimalField(
        verbose_name, validators=NON_NEGATIVE, help_text=_("In 万元 (10,000 yuan)."), **MONEY, **kwargs
    )


class Source(models.Model):
    """Where a fact came from: a source document and a short verbatim quote from it."""

    document = models.CharField(_("document"), max_length=100, help_text=_("File name in seeds/."))
    quote = models.TextField(_("quote"), help_text=_("A short verbatim quote from the document."),
        **text_limit(SHORT_TEXT))
    supports = models.CharField(
        _("supports"), max_length=200, blank=True, help_text=_("Which figure or fact the quote supports.")
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("kind of record"), related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["document", "id"]
        # Serves the GenericRelation lookups from every sourced model.
        indexes = [models.Index(fields=["content_type", "object_id"], name="projects_source_record_idx")]

    def __str__(self):
        from projects.documents import document_title

        return f"{document_title(self.document)}: {self.quote[:40]}"


class Archivable(models.Model):
    """Records that others depend on are archived, never deleted."""

    is_archived = models.BooleanField(_("archived"), default=False, db_index=True)

    class Meta:
        abstract = True


class Zone(models.Model):
    """A development zone: one of the four zones of 四区联建, or the demonstration zone (示范区)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ZoneKind.choices, default=ZoneKind.FOUR_ZONES)
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=8, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    description = models.TextField(_("description"), blank=True, **text_limit(LONG_TEXT))
    sources = GenericRelation(Source, related_query_name="zone")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gte=0),
                name="%(app_label)s_%(class)s_area_non_negative",
                violation_error_message=_("The area cannot be negative."),
            ),
        ]

    def __str__(self):
        return self.name


class Unit(Archivable):
    """A responsible unit (责任单位): a leading body, bureau, sub-district office, park committee or enterprise."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.BUREAU)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    email = models.EmailField(_("contact e-mail"), blank=True, help_text=_("Reminders are sent here."))
    phone = models.CharField(_("contact mobile phone"), max_length=20, blank=True,
                             help_text=_("Mentioned (@) in the group robot's reminders."))
    webhook_kind = models.CharField(_("group robot"), max_length=20, choices=WebhookKind.choices, blank=True)
    webhook_url = models.URLField(
        _("group robot webhook URL"), max_length=500, blank=True,
        help_text=_("The robot's webhook address (企业微信 or 钉钉); it holds the robot's key: keep it secret."),
    )
    sources = GenericRelation(Source, related_query_name="unit")
    # The webhook URL holds the robot's key: not copied into the history.
    history = HistoricalRecords(excluded_fields=["webhook_url"])

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="%(app_label)s_%(class)s_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            ),
            models.CheckConstraint(
                condition=Q(webhook_url="") | ~Q(webhook_kind=""),
                name="%(app_label)s_%(class)s_webhook_has_kind",
                violation_error_message=_("Say which group robot the webhook URL belongs to."),
            ),
        ]

    def __str__(self):
        return self.name


class Leader(Archivable):
    """A responsible leader (分包领导) personally assigned to projects."""

    name = models.CharField(_("name or title"), max_length=100, unique=True)
    title = models.CharField(_("position"), max_length=100, blank=True)
    body = models.CharField(_("leading body"), max_length=20, choices=LeadingBody.choices, default=LeadingBody.OTHER)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="leaders", verbose_name=_("unit")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leader",
        verbose_name=_("user account"),
    )
    email = models.EmailField(_("contact e-mail"), blank=True, help_text=_("Reminders are sent here."))
    phone = models.CharField(_("contact mobile phone"), max_length=20, blank=True)
    sources = GenericRelation(Source, related_query_name="leader")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("responsible leader")
        verbose_name_plural = _("responsible leaders")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Programme(models.Model):
    """A year's portfolio plan (项目推进计划) such as "342311" in 2013: planned counts per stage,
    investment targets, and the outcome figures the texts report."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    label = models.CharField(_("label"), max_length=40, help_text=_('As the texts write it, e.g. "342311".'))
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, **text_limit(LONG_TEXT))
    planned_project_count = models.PositiveIntegerField(_("planned number of projects"), null=True, blank=True)
    planned_reserve = models.PositiveIntegerField(_("planned reserve projects"), null=True, blank=True)
    planned_preparation = models.PositiveIntegerField(_("planned preparation projects"), null=True, blank=True)
    planned_new = models.PositiveIntegerField(_("planned new starts"), null=True, blank=True)
    planned_continuing = models.PositiveIntegerField(_("planned continuing projects"), null=True, blank=True)
    planned_completed = models.PositiveIntegerField(_("planned completions"), null=True, blank=True)
    total_investment_target = money_field(_("total investment target"), null=True, blank=True)
    annual_investment_target = money_field(_("annual investment target"), null=True, blank=True)
    reported_as_of = models.DateField(_("reported as of"), null=True, blank=True)
    reported_project_count = models.PositiveIntegerField(_("reported number of projects"), null=True, blank=True)
    reported_total_investment = money_field(_("reported total investment"), null=True, blank=True)
    reported_completed_investment = money_field(_("reported completed investment"), null=True, blank=True)
    reported_completion_rate = models.DecimalField(
        _("reported completion rate (%)"), max_digits=7, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    sources = GenericRelation(Source, related_query_name="programme")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment_target__isnull=True) | Q(total_investment_target__gte=0),
                name="%(app_label)s_%(class)s_total_target_non_negative",
                violation_error_message=_("Investment targets cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(annual_investment_target__isnull=True) | Q(annual_investment_target__gte=0),
                name="%(app_label)s_%(class)s_annual_target_non_negative",
                violation_error_message=_("Investment targets cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.name}"


class Project(Versioned, Archivable):
    """A major investment project (重点项目) tracked by the district."""

    code = models.CharField(
        _("national project code"),
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_project_code],
        help_text=_("固定资产投资项目代码 (GB/T 40058-2021), e.g. 2013-410802-70-01-00001X."),
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    aliases = models.TextField(_("aliases"), blank=True, help_text=_("Other names used in the texts, one per line."),
        **text_limit(SHORT_TEXT))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, null=True, blank=True, related_name="projects", verbose_name=_("zone")
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.RESERVE)
    key_level = models.CharField(_("key level"), max_length=20, choices=KeyLevel.choices, blank=True)
    total_investment = money_field(_("total investment"), null=True, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_completion = models.DateField(_("planned completion"), null=True, blank=True)
    leaders = models.ManyToManyField(Leader, blank=True, related_name="projects", verbose_name=_("responsible leaders"))
    lead_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="led_projects", verbose_name=_("lead unit")
    )
    cooperating_units = models.ManyToManyField(
        Unit, blank=True, related_name="cooperating_projects", verbose_name=_("cooperating units")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent project")
    )
    programmes = models.ManyToManyField(Programme, blank=True, related_name="projects", verbose_name=_("programmes"))
    description = models.TextField(_("description"), blank=True, **text_limit(LONG_TEXT))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sources = GenericRelation(Source, related_query_name="project")
    # The leaders and cooperating units are kept with each version too: changing them is a change
    # of the project, in its history with who, when and why.
    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[leaders, cooperating_units])

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__isnull=True) | Q(total_investment__gte=0),
                name="%(app_label)s_%(class)s_investment_non_negative",
                violation_error_message=_("The total investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values),
                name="%(app_label)s_%(class)s_stage_valid",
                violation_error_message=_("The stage must be one of the listed stages."),
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values),
                name="%(app_label)s_%(class)s_category_valid",
                violation_error_message=_("The category must be one of the listed categories."),
            ),
            models.CheckConstraint(
                condition=Q(planned_start__isnull=True)
                | Q(planned_completion__isnull=True)
                | Q(planned_start__lte=F("planned_completion")),
                name="%(app_label)s_%(class)s_dates_in_order",
                violation_error_message=_("The planned completion cannot be before the planned start."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="%(app_label)s_%(class)s_not_own_parent",
                violation_error_message=_("A project cannot be its own parent."),
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the page's language (localized_name): 星凯国际城市综合体 on a Chinese page,
        StarKai International City Complex on an English one."""
        return localized_name(self.name, self.name_en)

    @property
    def alias_list(self):
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]

    @property
    def total_investment_yi(self):
        """Total investment in 亿元, as people read it."""
        return None if self.total_investment is None else self.total_investment / 10000


class AnnualPlan(Versioned, models.Model):
    """A project's investment plan for one year (年度投资计划) and its physical target (年度目标).

    `planned_investment` is the baseline as first set; mid-year changes (计划调整) are PlanRevisions."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="annual_plans", verbose_name=_("project"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    planned_investment = money_field(_("planned investment (baseline)"))
    target = models.TextField(_("annual target"), blank=True, help_text=_("Physical progress target for the year."),
        **text_limit(SHORT_TEXT))
    is_draft = models.BooleanField(_("draft"), default=False, help_text=_(
        "Carried over by the year rollover from the year before; the office confirms or edits it."))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    sources = GenericRelation(Source, related_query_name="annual_plan")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["project__name", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year"],
                name="%(app_label)s_%(class)s_unique_project_year",
                violation_error_message=_("This project already has a plan for that year."),
            ),
            models.CheckConstraint(
                condition=Q(planned_investment__gte=0),
                name="%(app_label)s_%(class)s_investment_non_negative",
                violation_error_message=_("The planned investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="%(app_label)s_%(class)s_year_range",
                violation_error_message=_("The year must be between 2000 and 2100."),
            ),
        ]

    def __str__(self):
        return f"{self.project} {self.year}"

    def investment_in_force(self, month):
        """The planned investment in force in `month` of the plan's year: the latest revision
        effective by then, else the baseline."""
        revisions = [r for r in self.revisions.all() if r.effective_month <= month]
        if not revisions:
            return self.planned_investment
        return max(revisions, key=lambda r: (r.effective_month, r.pk)).planned_investment


class PlanRevision(models.Model):
    """A mid-year change of an annual plan (计划调整), effective from a month of the plan's year."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("annual plan"))
    effective_month = models.PositiveSmallIntegerField(
        _("effective from month"), validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    planned_investment = money_field(_("revised planned investment"))
    reason = models.TextField(_("reason"), **text_limit(SHORT_TEXT))
    revised_on = models.DateField(_("revised on"))
    revised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("revised by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        ordering = ["plan", "effective_month", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_month__gte=1) & Q(effective_month__lte=12),
                name="%(app_label)s_%(class)s_month_range",
                violation_error_message=_("The month must be between 1 and 12."),
            ),
            models.CheckConstraint(
                condition=Q(planned_investment__gte=0),
                name="%(app_label)s_%(class)s_investment_non_negative",
                violation_error_message=_("The planned investment cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.plan} @{self.effective_month}"


class Milestone(models.Model):
    """A dated milestone (时间节点) of a project: signing, start, topping-out, completion, production."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="milestones", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=20, choices=MilestoneKind.choices)
    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("For milestones of kind other."))
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    actual_date = models.DateField(_("actual date"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, **text_limit(SHORT_TEXT))
    sources = GenericRelation(Source, related_query_name="milestone")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project__name", "planned_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MilestoneKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("The kind must be one of the listed milestone kinds."),
            ),
            models.CheckConstraint(
                condition=Q(planned_date__isnull=False) | Q(actual_date__isnull=False),
                name="%(app_label)s_%(class)s_has_a_date",
                violation_error_message=_("A milestone needs a planned or an actual date."),
            ),
        ]
        # Serves the overdue-milestone check of the bulletin.
        indexes = [models.Index(fields=["project", "planned_date"], name="projects_milestone_due_idx")]

    def __str__(self):
        return f"{self.project} {self.get_kind_display()}"

    def is_overdue(self, on):
        return self.actual_date is None and self.planned_date is not None and self.planned_date < on


class Profile(models.Model):
    """An account's role in the tracker and, for unit reporters, its unit."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("unit")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.REPORTER) | Q(unit__isnull=False),
                name="%(app_label)s_%(class)s_reporter_has_unit",
                violation_error_message=_("A unit reporter must belong to a unit."),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"
