"""The tracking mechanism: 周例会、月汇报、季观摩、半年初评、年终总评, and the problem ledger.

State changes go through projects.services; these models hold data and constraints only."""

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.choices import (
    Category,
    EvaluationKind,
    EvaluationSubject,
    Light,
    MeetingKind,
    ProblemCategory,
    ProblemOrigin,
    ProblemStatus,
    PublicationStatus,
    ReportStatus,
)
from projects.locking import Versioned
from projects.validators import LONG_TEXT, MINUTES_TEXT, SHORT_TEXT, text_limit
from projects.models.library import NON_NEGATIVE, Leader, Project, Source, Unit, money_field

YEAR = [MinValueValidator(2000), MaxValueValidator(2100)]
MONTH = [MinValueValidator(1), MaxValueValidator(12)]
USER = settings.AUTH_USER_MODEL


def year_month_constraints(prefix):
    return [
        models.CheckConstraint(
            condition=Q(month__gte=1) & Q(month__lte=12),
            name=f"{prefix}_month_range",
            violation_error_message=_("The month must be between 1 and 12."),
        ),
        models.CheckConstraint(
            condition=Q(year__gte=2000) & Q(year__lte=2100),
            name=f"{prefix}_year_range",
            violation_error_message=_("The year must be between 2000 and 2100."),
        ),
    ]


class MonthlyReport(Versioned, models.Model):
    """A project's monthly report (月汇报): investment completed year-to-date and physical progress.

    Workflow: draft → submitted → accepted, or returned (back to draft with a reason)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reports", verbose_name=_("project"))
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    month = models.PositiveSmallIntegerField(_("month"), validators=MONTH)
    completed_ytd = money_field(_("completed investment year-to-date"))
    progress_note = models.TextField(_("physical progress"), blank=True, **text_limit(LONG_TEXT))
    problems_raised = models.TextField(_("problems raised"), blank=True, **text_limit(LONG_TEXT))
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    reporting_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("reporting unit")
    )
    reporter_name = models.CharField(_("reporting person"), max_length=100, blank=True)
    is_correction = models.BooleanField(_("correction"), default=False)
    correction_reason = models.TextField(_("correction reason"), blank=True, **text_limit(SHORT_TEXT))
    return_reason = models.TextField(_("reason for return"), blank=True, **text_limit(SHORT_TEXT))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("submitted by")
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("accepted by")
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    sources = GenericRelation(Source, related_query_name="report")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-year", "-month", "project__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"],
                name="%(app_label)s_%(class)s_unique_project_month",
                violation_error_message=_("This project already has a report for that month."),
            ),
            models.CheckConstraint(
                condition=Q(completed_ytd__gte=0),
                name="%(app_label)s_%(class)s_ytd_non_negative",
                violation_error_message=_("The completed investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message=_("Unknown report status."),
            ),
            models.CheckConstraint(
                condition=Q(is_correction=False) | ~Q(correction_reason=""),
                name="%(app_label)s_%(class)s_correction_has_reason",
                violation_error_message=_("A correction needs a reason."),
            ),
            *year_month_constraints("%(app_label)s_%(class)s"),
        ]
        # Serves the bulletin (accepted reports of a year up to a month).
        indexes = [models.Index(fields=["year", "month", "status"], name="projects_report_period_idx")]

    def __str__(self):
        return f"{self.project} {self.year}-{self.month:02d}"


class Bulletin(models.Model):
    """The monthly bulletin (一月一通报) for a year and month. Drafts are computed live; publishing
    freezes the rows into BulletinEntry and the totals into `totals`."""

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    month = models.PositiveSmallIntegerField(_("month"), validators=MONTH)
    status = models.CharField(
        _("status"), max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True, **text_limit(LONG_TEXT))
    totals = models.JSONField(_("totals"), default=dict, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("published by")
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True, editable=False)
    superseded_note = models.TextField(_("superseded because"), blank=True, editable=False, **text_limit(SHORT_TEXT))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("monthly bulletin")
        verbose_name_plural = _("monthly bulletins")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month"],
                name="%(app_label)s_%(class)s_unique_period",
                violation_error_message=_("There is already a bulletin for that month."),
            ),
            *year_month_constraints("%(app_label)s_%(class)s"),
        ]

    def __str__(self):
        return f"{self.year}-{self.month:02d}"

    @property
    def is_published(self):
        return self.status == PublicationStatus.PUBLISHED


class BulletinEntry(models.Model):
    """One project's frozen row in a published bulletin."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.CASCADE, related_name="entries", verbose_name=_("bulletin"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    stage = models.CharField(_("stage"), max_length=20)
    zone_name = models.CharField(_("zone"), max_length=100, blank=True)
    unit_name = models.CharField(_("lead unit"), max_length=100, blank=True)
    planned_investment = money_field(_("annual plan in force"))
    baseline_investment = money_field(_("annual plan baseline"))
    completed_ytd = money_field(_("completed year-to-date"))
    completed_month = models.DecimalField(_("completed this month"), **{"max_digits": 14, "decimal_places": 2})
    completion_rate = models.DecimalField(_("completion rate (%)"), max_digits=9, decimal_places=2, null=True)
    time_progress = models.DecimalField(_("time progress (%)"), max_digits=5, decimal_places=2)
    gap_points = models.DecimalField(_("gap (points)"), max_digits=9, decimal_places=2, null=True)
    light = models.CharField(_("light"), max_length=10, choices=Light.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    rank_in_category = models.PositiveIntegerField(_("rank in category"), null=True)
    report_missing = models.BooleanField(_("report missing"), default=False)
    # The early warning as forecast at publication (services.warning.Forecast.as_stored): null in
    # December, without a plan, and in bulletins published before forecasts were kept.
    forecast = models.JSONField(_("early warning"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bulletin entry")
        verbose_name_plural = _("bulletin entries")
        ordering = ["bulletin", "category", "rank_in_category"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "project"], name="%(app_label)s_%(class)s_unique_project"),
        ]

    def __str__(self):
        return f"{self.bulletin} {self.project}"


class Meeting(models.Model):
    """A meeting of the mechanism: weekly meeting (周例会), monthly meetings, reviews, inspections."""

    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    chair = models.ForeignKey(
        Leader, on_delete=models.PROTECT, null=True, blank=True, related_name="chaired_meetings", verbose_name=_("chair")
    )
    units = models.ManyToManyField(Unit, blank=True, related_name="meetings", verbose_name=_("attending units"))
    leaders = models.ManyToManyField(Leader, blank=True, related_name="meetings", verbose_name=_("attending leaders"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, **text_limit(MINUTES_TEXT))
    sources = GenericRelation(Source, related_query_name="meeting")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "id"]

    def __str__(self):
        return f"{self.date} {self.title}"


class MeetingItem(models.Model):
    """A project discussed at a meeting, and what was said of it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="meeting_items", verbose_name=_("project"))
    discussion = models.TextField(_("what was said"), **text_limit(LONG_TEXT))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project discussed")
        verbose_name_plural = _("projects discussed")
        ordering = ["meeting", "id"]

    def __str__(self):
        return f"{self.meeting}: {self.project}"


class Decision(models.Model):
    """A decision taken at a meeting; its action items are problems in the ledger."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting"))
    text = models.TextField(_("decision"), **text_limit(SHORT_TEXT))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["meeting", "id"]

    def __str__(self):
        return self.text[:60]


class WeeklyPlan(models.Model):
    """Next week's plan (下周工作安排) that each group files, due Friday afternoon."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="weekly_plans", verbose_name=_("group / unit"))
    week_start = models.DateField(_("week starting"), help_text=_("The Monday of the week planned."))
    content = models.TextField(_("plan"), **text_limit(MINUTES_TEXT))
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="weekly_plans", verbose_name=_("meeting")
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    filed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("filed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("next week's plan")
        verbose_name_plural = _("next week's plans")
        ordering = ["-week_start", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "week_start"],
                name="%(app_label)s_%(class)s_unique_unit_week",
                violation_error_message=_("This unit has already filed a plan for that week."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.week_start}"


class Problem(Versioned, models.Model):
    """A problem in the ledger (问题台账), pressed with a responsible unit and a deadline until closed."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="problems", verbose_name=_("project"))
    category = models.CharField(_("category"), max_length=20, choices=ProblemCategory.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, **text_limit(LONG_TEXT))
    origin = models.CharField(_("raised at"), max_length=20, choices=ProblemOrigin.choices, default=ProblemOrigin.OTHER)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems", verbose_name=_("meeting")
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items", verbose_name=_("decision")
    )
    report = models.ForeignKey(
        MonthlyReport, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems",
        verbose_name=_("monthly report"),
    )
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="problems", verbose_name=_("responsible unit")
    )
    raised_on = models.DateField(_("raised on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    resolution = models.TextField(_("resolution"), blank=True, **text_limit(LONG_TEXT))
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    sources = GenericRelation(Source, related_query_name="problem")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problem ledger")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("raised_on")),
                name="%(app_label)s_%(class)s_deadline_after_raised",
                violation_error_message=_("The deadline cannot be before the day the problem was raised."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ProblemStatus.RESOLVED) | Q(resolved_on__isnull=False),
                name="%(app_label)s_%(class)s_resolved_has_date",
                violation_error_message=_("A resolved problem needs its resolution date."),
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=models.F("raised_on")),
                name="%(app_label)s_%(class)s_resolved_after_raised",
                violation_error_message=_("A problem cannot be resolved before it was raised."),
            ),
        ]
        # Serves the overdue lists (open problems by deadline).
        indexes = [models.Index(fields=["status", "deadline"], name="projects_problem_overdue_idx")]

    def __str__(self):
        return self.title

    def is_overdue(self, on):
        return self.status != ProblemStatus.RESOLVED and self.deadline < on


class ProblemAction(models.Model):
    """One step in a problem's own history (一企一策、一事一议)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="actions", verbose_name=_("problem"))
    date = models.DateField(_("date"))
    text = models.TextField(_("action"), **text_limit(LONG_TEXT))
    status_after = models.CharField(_("status after"), max_length=20, choices=ProblemStatus.choices, blank=True)
    user = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("recorded by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("problem action")
        verbose_name_plural = _("problem actions")
        ordering = ["problem", "date", "id"]

    def __str__(self):
        return f"{self.problem} {self.date}"


class Review(models.Model):
    """A quarterly on-site review (季观摩): leaders visit the sites, score and rank the projects."""

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    projects = models.ManyToManyField(Project, related_name="reviews", verbose_name=_("projects visited"))
    reviewers = models.ManyToManyField(Leader, related_name="reviews", verbose_name=_("reviewers"))
    status = models.CharField(
        _("status"), max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quarterly review")
        verbose_name_plural = _("quarterly reviews")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter"],
                name="%(app_label)s_%(class)s_unique_quarter",
                violation_error_message=_("There is already a review for that quarter."),
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1) & Q(quarter__lte=4),
                name="%(app_label)s_%(class)s_quarter_range",
                violation_error_message=_("The quarter must be between 1 and 4."),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.status == PublicationStatus.PUBLISHED


class ReviewCriterion(models.Model):
    """A weighted scoring criterion of a review (工作进展, 形象进度, 问题解决 by default)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("review"))
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2, default=Decimal("100"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        ordering = ["review", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "name"], name="%(app_label)s_%(class)s_unique_name"),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="%(app_label)s_%(class)s_weight_positive",
                violation_error_message=_("A weight must be positive."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight})"


class ReviewScore(models.Model):
    """One reviewer's score of one project on one criterion."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="scores", verbose_name=_("review"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="review_scores", verbose_name=_("project"))
    reviewer = models.ForeignKey(Leader, on_delete=models.PROTECT, related_name="review_scores",
                                 verbose_name=_("reviewer"))
    criterion = models.ForeignKey(ReviewCriterion, on_delete=models.PROTECT, related_name="scores",
                                  verbose_name=_("criterion"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, validators=NON_NEGATIVE)
    comment = models.TextField(_("comment"), blank=True, **text_limit(SHORT_TEXT))
    scored_at = models.DateTimeField(_("scored at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review score")
        verbose_name_plural = _("review scores")
        ordering = ["review", "project", "reviewer", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "project", "reviewer", "criterion"],
                name="%(app_label)s_%(class)s_unique_score",
                violation_error_message=_("This reviewer has already scored this project on this criterion."),
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0),
                name="%(app_label)s_%(class)s_score_non_negative",
                violation_error_message=_("A score cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.review} {self.project} {self.reviewer}: {self.score}"


class ReviewRanking(models.Model):
    """A project's frozen place in a published review ranking (per category)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rankings", verbose_name=_("review"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank in category"))
    is_top = models.BooleanField(_("top (激励先进)"), default=False)
    is_bottom = models.BooleanField(_("bottom (鞭策后进)"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review ranking")
        verbose_name_plural = _("review rankings")
        ordering = ["review", "category", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["review", "project"], name="%(app_label)s_%(class)s_unique_project"),
        ]

    def __str__(self):
        return f"{self.review} #{self.rank} {self.project}"


class Evaluation(models.Model):
    """A half-year preliminary (半年初评) or year-end (年终总评) evaluation, with editable weights."""

    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    kind = models.CharField(_("kind"), max_length=20, choices=EvaluationKind.choices)
    weight_completion = models.DecimalField(_("weight: annual completion rate"), max_digits=5, decimal_places=2,
                                            default=Decimal("60"), validators=NON_NEGATIVE)
    weight_milestones = models.DecimalField(_("weight: milestones met on time"), max_digits=5, decimal_places=2,
                                            default=Decimal("15"), validators=NON_NEGATIVE)
    weight_problems = models.DecimalField(_("weight: problems closed on time"), max_digits=5, decimal_places=2,
                                          default=Decimal("10"), validators=NON_NEGATIVE)
    weight_reviews = models.DecimalField(_("weight: review scores"), max_digits=5, decimal_places=2,
                                         default=Decimal("15"), validators=NON_NEGATIVE)
    status = models.CharField(
        _("status"), max_length=20, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind"],
                name="%(app_label)s_%(class)s_unique_period",
                violation_error_message=_("There is already an evaluation of that kind for that year."),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"

    @property
    def is_published(self):
        return self.status == PublicationStatus.PUBLISHED

    @property
    def month(self):
        """The month whose figures the evaluation uses: June or December."""
        return 6 if self.kind == EvaluationKind.HALF_YEAR else 12


class EvaluationResult(models.Model):
    """A project's or a unit's frozen score in a published evaluation; `trace` names every
    report, milestone, problem and review score the numbers came from."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results",
                                   verbose_name=_("evaluation"))
    subject = models.CharField(_("subject"), max_length=10, choices=EvaluationSubject.choices)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("project"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("unit"))
    completion_score = models.DecimalField(_("completion score"), max_digits=7, decimal_places=2)
    milestone_score = models.DecimalField(_("milestone score"), max_digits=7, decimal_places=2)
    problem_score = models.DecimalField(_("problem score"), max_digits=7, decimal_places=2)
    review_score = models.DecimalField(_("review score"), max_digits=7, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))
    trace = models.JSONField(_("trace"), default=dict)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation result")
        verbose_name_plural = _("evaluation results")
        ordering = ["evaluation", "subject", "rank"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(subject=EvaluationSubject.PROJECT) & Q(project__isnull=False) & Q(unit__isnull=True))
                | (Q(subject=EvaluationSubject.UNIT) & Q(unit__isnull=False) & Q(project__isnull=True)),
                name="%(app_label)s_%(class)s_subject_matches",
            ),
            models.UniqueConstraint(fields=["evaluation", "project"], name="%(app_label)s_%(class)s_unique_project"),
            models.UniqueConstraint(fields=["evaluation", "unit"], name="%(app_label)s_%(class)s_unique_unit"),
        ]

    def __str__(self):
        return f"{self.evaluation} #{self.rank}"
