"""The monthly bulletin (一月一通报): compute it live, publish (freeze) it, compare programmes.

Lights compare the completion rate with time progress (序时进度): green when less than
TRACKER_LIGHT_YELLOW_POINTS behind, yellow down to TRACKER_LIGHT_RED_POINTS behind, red beyond;
an overdue milestone or problem makes a project red, a missing report yellow."""

import calendar
import datetime
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.choices import Category, Light, PublicationStatus
from projects.collector import collector_paused
from projects.exceptions import Conflict, DomainError
from projects.models import Bulletin, BulletinEntry, Milestone, Problem, Project
from projects.permissions import require
from projects.services.rankings import bottom_size, split_top_and_bottom
from projects.services.validation import clean_or_raise
from projects.audit import audit_event

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


# The largest rate a BulletinEntry stores (DecimalField max_digits=9, decimal_places=2).
MAX_RATE = Decimal("9999999.99")


def round2(value):
    """Half-up to 2 decimals, as the documents print rates."""
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part, whole):
    """100 × part ÷ whole rounded half-up to 2 decimals; None when whole is 0 or missing."""
    if whole is None or part is None or whole == 0:
        return None
    return round2(Decimal(part) * HUNDRED / Decimal(whole))


def month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def time_progress(month):
    """Time progress (序时进度) at the end of `month`: month ÷ 12, in %."""
    return round2(Decimal(month) * HUNDRED / 12)


@dataclass
class Reason:
    code: str
    text: str


@dataclass
class BulletinRow:
    project_id: int
    project_name: str
    category: str
    stage: str
    zone_name: str
    unit_name: str
    plan_in_force: Decimal
    plan_baseline: Decimal
    drift: Decimal
    completed_ytd: Decimal
    completed_month: Decimal
    completion_rate: Decimal | None
    time_progress: Decimal
    gap_points: Decimal | None
    light: str
    reasons: list = field(default_factory=list)
    report_missing: bool = False
    rank_in_category: int | None = None
    programme_names: list = field(default_factory=list)
    # The early warning (services.warning.Forecast) from this month; None in December (nothing
    # left to forecast), without a plan, or in a bulletin published before forecasts were kept.
    forecast: object = None

    @property
    def light_label(self):
        return Light(self.light).label

    @property
    def category_label(self):
        return dict(Category.choices).get(self.category, self.category)

    @property
    def warning_changes(self):
        """(yellow month, red month): the changes of light the early warning foresees for this
        row's light (a green row can turn yellow and red, a yellow one red; None: none foreseen)."""
        return (None, None) if self.forecast is None else self.forecast.changes_after(self.light)

    @property
    def warns(self):
        """Whether the early warning foresees a change of this row's light before December."""
        return any(month is not None for month in self.warning_changes)

    @property
    def forecast_text(self):
        """The 预警 cell: 预计年底 75.00%，8月转黄 (the changes still ahead of this row's light); None
        without a forecast."""
        from projects.services.warning import short_text

        if self.forecast is None or self.forecast.year_end_rate is None:
            return None
        return short_text(self.forecast.year_end_rate, *self.warning_changes)


@dataclass
class Totals:
    label: str
    count: int = 0
    plan_in_force: Decimal = ZERO
    plan_baseline: Decimal = ZERO
    completed_ytd: Decimal = ZERO
    completed_month: Decimal = ZERO
    green: int = 0
    yellow: int = 0
    red: int = 0

    @property
    def completion_rate(self):
        return percent(self.completed_ytd, self.plan_in_force)

    @property
    def drift(self):
        return self.plan_in_force - self.plan_baseline

    def add(self, row):
        self.count += 1
        self.plan_in_force += row.plan_in_force
        self.plan_baseline += row.plan_baseline
        self.completed_ytd += row.completed_ytd
        self.completed_month += row.completed_month
        setattr(self, row.light, getattr(self, row.light) + 1)

    def as_dict(self):
        data = asdict(self)
        data["completion_rate"] = self.completion_rate
        data["drift"] = self.drift
        return data


@dataclass
class BulletinData:
    year: int
    month: int
    time_progress: Decimal
    rows: list
    totals: dict  # dimension → list of totals dicts; "all" → one totals dict
    bottom: dict  # category → rows listed for the monthly on-site office meeting
    frozen: bool = False

    def as_dict(self):
        return {
            "year": self.year, "month": self.month, "time_progress": self.time_progress, "frozen": self.frozen,
            "rows": [{k: v for k, v in asdict(row).items()} for row in self.rows],
            "totals": self.totals,
            "bottom": {category: [row.project_id for row in rows] for category, rows in self.bottom.items()},
        }


class _LightRule:
    """The light rule with its thresholds and translated messages looked up once per bulletin
    (gettext per project costs more than the rest of the row at 10,000 projects)."""

    def __init__(self):
        self.yellow_points = Decimal(settings.TRACKER_LIGHT_YELLOW_POINTS)
        self.red_points = Decimal(settings.TRACKER_LIGHT_RED_POINTS)
        self.far_behind = _("%(points)s points behind time progress (more than %(limit)s).")
        self.behind = _("%(points)s points behind time progress (%(low)s to %(high)s).")
        self.milestone = _("Milestone %(name)s planned for %(date)s is not reached.")
        self.problem = _("Problem “%(title)s” is past its deadline %(date)s.")
        self.missing = _("No accepted report for the month.")
        self.kinds = {value: str(label) for value, label in Milestone._meta.get_field("kind").flatchoices}

    def __call__(self, *, gap, milestones, problems, report_missing):
        light, reasons = Light.GREEN, []
        if gap is not None and gap < -self.red_points:
            light = Light.RED
            reasons.append({"code": "far_behind_schedule",
                            "text": self.far_behind % {"points": -gap, "limit": self.red_points}})
        elif gap is not None and gap <= -self.yellow_points:
            light = Light.YELLOW
            reasons.append({"code": "behind_schedule", "text": self.behind % {
                "points": -gap, "low": self.yellow_points, "high": self.red_points}})
        for milestone in milestones:
            light = Light.RED
            reasons.append({"code": "milestone_overdue", "text": self.milestone % {
                "name": milestone.name or self.kinds.get(milestone.kind, milestone.kind), "date": milestone.planned_date.isoformat()}})
        for problem in problems:
            light = Light.RED
            reasons.append({"code": "problem_overdue", "text": self.problem % {
                "title": problem.title, "date": problem.deadline.isoformat()}})
        if report_missing:
            if light == Light.GREEN:
                light = Light.YELLOW
            reasons.append({"code": "report_missing", "text": self.missing})
        return light, reasons


def _light_for(*, gap, milestones, problems, report_missing):
    return _LightRule()(gap=gap, milestones=milestones, problems=problems, report_missing=report_missing)


def in_rank_order(rows):
    """Bulletin rows as every version of the bulletin lists them (page, print, PDF, workbook,
    command): by category, then rank within it (unranked last), then name."""
    return sorted(rows, key=lambda r: (r.category, r.rank_in_category is None, r.rank_in_category or 0,
                                       r.project_name))


def _rank(rows):
    """Rank by completion rate within each category (1 = best; equal rates share a rank;
    projects without a rate come last). Returns category → rows in rank order."""
    by_category = defaultdict(list)
    for row in rows:
        by_category[row.category].append(row)
    for members in by_category.values():
        members.sort(key=lambda r: (r.completion_rate is None, -(r.completion_rate or ZERO), r.project_name))
        previous, rank = object(), 0
        for position, row in enumerate(members, start=1):
            key = row.completion_rate
            if key != previous or key is None:
                rank = position
            row.rank_in_category = rank
            previous = key
    return dict(by_category)


def _bottom(rows):
    """The projects the monthly on-site office meeting presses (督促上月工作进度处于末位的): the
    TRACKER_RANKING_BOTTOM lowest completion rates of all the bulletin's projects, at most half of
    those with a rate and none tied with the best (services.rankings); {category: rows}, categories
    in order, each in rank order (the worst last)."""
    ranked = sorted((r for r in rows if r.completion_rate is not None),
                    key=lambda r: (-r.completion_rate, r.project_name))
    _, bottom = split_top_and_bottom(ranked, size=bottom_size(), key=lambda r: r.completion_rate)
    result = defaultdict(list)
    for row in sorted(bottom, key=lambda r: (r.category, r.rank_in_category or 0, r.project_name)):
        result[row.category].append(row)
    return dict(result)


def _totals(rows):
    dimensions = {
        "stage": lambda r: [r.stage],
        "zone": lambda r: [r.zone_name],
        "category": lambda r: [r.category],
        "programme": lambda r: r.programme_names,
        "unit": lambda r: [r.unit_name],
    }
    result = {}
    overall = Totals(label=_("All projects"))
    for row in rows:
        overall.add(row)
    result["all"] = overall.as_dict()
    for name, keys_of in dimensions.items():
        groups = {}
        for row in rows:
            for key in keys_of(row):
                groups.setdefault(key, Totals(label=key)).add(row)
        result[name] = [groups[key].as_dict() for key in sorted(groups)]
    return result


def _programme_names(projects, year):
    """{project id: sorted programme names} in one query over the link table (a name as
    Programme.__str__ writes it: "<year> <name>"); `projects` is a queryset of project ids. Only the
    programmes of the bulletin's year count: a 2013 bulletin has no totals of a 2011 or 2014 plan."""
    result = defaultdict(list)
    pairs = Project.programmes.through.objects.filter(project_id__in=projects, programme__year=year).values_list(
        "project_id", "programme__year", "programme__name")
    for project_id, year, name in pairs:
        result[project_id].append(f"{year} {name}")
    return {pk: sorted(values) for pk, values in result.items()}


@collector_paused()
def bulletin_compute(*, year, month):
    """The bulletin for `month` of `year`, computed live from accepted reports, plans in force,
    milestones and problems: every non-archived project with an annual plan that year, each with
    its early warning (services.warning: the YTD of the run rate's base month is a column of the
    projects' query). Four queries whatever the number of projects."""
    from projects.services.warning import base_month_of, base_ytd_annotation, forecast

    if not 1 <= month <= 12:
        raise DomainError(_("The month must be between 1 and 12."), field="month")
    end = month_end(year, month)
    progress = time_progress(month)
    # Dictionaries, not instances: the rows are read once (bench B3-shipped).
    # The bulletin's projects; the other queries take them as a subquery, not as a list of ids
    # (an `IN` list of every project is prepared value by value and grows the statement).
    covered = Project.objects.active().filter(annual_plans__year=year)
    projects = list(
        covered
        .with_month_figures(year, month)
        .annotate(warning_base_ytd=base_ytd_annotation(year, month))
        .order_by("category", "name")
        .values("pk", "name", "category", "stage", "zone__name", "lead_unit__name", "plan_in_force",
                "plan_baseline", "completed_ytd", "completed_month", "report_month", "warning_base_ytd")
    )
    base_month = base_month_of(month)
    covered = covered.values("pk")
    programme_names = _programme_names(covered, year)
    # Named tuples with what the light rule reads, not model instances.
    overdue_milestones = defaultdict(list)
    for milestone in Milestone.objects.filter(project_id__in=covered, planned_date__lte=end).filter(
        Q(actual_date__isnull=True) | Q(actual_date__gt=end)
    ).order_by("planned_date", "id").values_list("project_id", "name", "kind", "planned_date", named=True):
        overdue_milestones[milestone.project_id].append(milestone)
    overdue_problems = defaultdict(list)
    for problem in Problem.objects.filter(project_id__in=covered, deadline__lt=end).filter(
        Q(resolved_on__isnull=True) | Q(resolved_on__gt=end)
    ).order_by("deadline", "id").values_list("project_id", "title", "deadline", named=True):
        overdue_problems[problem.project_id].append(problem)

    rows = []
    light_for = _LightRule()
    for project in projects:
        pk = project["pk"]
        plan = round2(project["plan_in_force"] or ZERO)
        baseline = round2(project["plan_baseline"] or ZERO)
        completed = round2(project["completed_ytd"] or ZERO)
        rate = percent(completed, plan)
        if rate is not None and rate > MAX_RATE:
            # Only a nonsensical plan (0.01 万元 against millions completed) gets here; the rate is
            # capped to what a bulletin entry stores, so that live and published bulletins agree.
            rate = MAX_RATE
        gap = None if rate is None else rate - progress
        report_missing = project["report_month"] != month
        light, reasons = light_for(gap=gap, milestones=overdue_milestones[pk], problems=overdue_problems[pk],
                                   report_missing=report_missing)
        rows.append(BulletinRow(
            project_id=pk, project_name=project["name"], category=project["category"], stage=project["stage"],
            zone_name=project["zone__name"] or "", unit_name=project["lead_unit__name"] or "",
            plan_in_force=plan, plan_baseline=baseline, drift=plan - baseline,
            completed_ytd=completed, completed_month=round2(project["completed_month"] or ZERO),
            completion_rate=rate, time_progress=progress, gap_points=gap, light=light, reasons=reasons,
            report_missing=report_missing, programme_names=programme_names.get(pk, []),
            forecast=None if month == 12 or not plan else forecast(
                plan=plan, month=month, ytd=completed, base_ytd=round2(project["warning_base_ytd"] or ZERO),
                base_month=base_month, yellow_points=light_for.yellow_points, red_points=light_for.red_points),
        ))
    _rank(rows)
    return BulletinData(year=year, month=month, time_progress=progress, rows=rows, totals=_totals(rows),
                        bottom=_bottom(rows))


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def bulletin_as_json(data):
    """The bulletin as JSON-ready data: Decimals as strings."""
    return _jsonable(data.as_dict())


@transaction.atomic
def bulletin_publish(*, bulletin, user):
    """Freeze the computed rows into BulletinEntry and the totals into Bulletin.totals."""
    require(user, "bulletins", "publish", record=bulletin)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.is_published:
        raise Conflict(_("This bulletin is already published."), code="published")
    data = bulletin_compute(year=bulletin.year, month=bulletin.month)
    bulk_create_with_history(model=BulletinEntry, default_user=user, objs=[
        BulletinEntry(
            bulletin=bulletin, project_id=row.project_id, category=row.category, stage=row.stage,
            zone_name=row.zone_name, unit_name=row.unit_name, planned_investment=row.plan_in_force,
            baseline_investment=row.plan_baseline, completed_ytd=row.completed_ytd,
            completed_month=row.completed_month, completion_rate=row.completion_rate,
            time_progress=row.time_progress, gap_points=row.gap_points, light=row.light, reasons=row.reasons,
            rank_in_category=row.rank_in_category, report_missing=row.report_missing,
            forecast=row.forecast.as_stored() if row.forecast is not None else None,
        )
        for row in data.rows
    ])
    bulletin.totals = _jsonable(data.totals)
    bulletin.status = PublicationStatus.PUBLISHED
    bulletin.published_at = timezone.now()
    bulletin.published_by = user
    bulletin.save()
    audit_event("bulletin.published", user=user, bulletin_id=bulletin.pk, period=f"{bulletin.year}-{bulletin.month:02d}",
                entries=len(data.rows))
    return bulletin


def bulletin_data(*, bulletin):
    """What a bulletin shows: the frozen entries once published (their early warning too: as
    forecast at publication), else computed live."""
    from projects.services.warning import Forecast

    if not bulletin.is_published:
        return bulletin_compute(year=bulletin.year, month=bulletin.month)
    rows = [
        BulletinRow(
            project_id=e.project_id, project_name=e.project.name, category=e.category, stage=e.stage,
            zone_name=e.zone_name, unit_name=e.unit_name, plan_in_force=e.planned_investment,
            plan_baseline=e.baseline_investment, drift=e.planned_investment - e.baseline_investment,
            completed_ytd=e.completed_ytd, completed_month=e.completed_month, completion_rate=e.completion_rate,
            time_progress=e.time_progress, gap_points=e.gap_points, light=e.light, reasons=e.reasons,
            report_missing=e.report_missing, rank_in_category=e.rank_in_category,
            forecast=Forecast.from_stored(e.forecast),
        )
        for e in bulletin.entries.select_related("project").order_by("category", "project__name")
    ]
    return BulletinData(year=bulletin.year, month=bulletin.month, time_progress=time_progress(bulletin.month),
                        rows=rows, totals=bulletin.totals, bottom=_bottom(rows), frozen=True)


@dataclass
class ComparisonLine:
    key: str
    label: str
    reported: Decimal | None
    computed: Decimal | None
    difference: Decimal | None
    differs: bool


@dataclass
class MissingProject:
    """A project the documents put in the programme whose figures the data lacks for the month."""

    project_id: int
    name: str
    reason: str


@dataclass
class ProgrammeComparison:
    programme_id: int
    programme: str
    year: int
    month: int
    lines: list
    missing: list = field(default_factory=list)  # MissingProject, by name
    member_count: int = 0  # the programme's projects in the library
    unrecorded: int = 0  # projects the documents count that the library does not hold


def programme_compare(*, programme, year=None, month=None):
    """The figures the documents state for a programme beside those the data computes at the end of
    `month` of `year` (by default the month the documents report, else December of the programme's
    year); and which of the programme's projects the data lacks: no annual plan that year, or no
    accepted report by that month (their investment counts as 0)."""
    year = year or programme.year
    if month is None:
        as_of = programme.reported_as_of
        month = as_of.month if as_of and as_of.year == year else 12
    members = list(programme.projects.with_progress(year, month).order_by("name"))
    missing = []
    for p in members:
        if p.plan_baseline is None:
            missing.append(MissingProject(p.pk, p.name, _("no annual plan for %(year)s") % {"year": year}))
        elif p.report_month is None:
            missing.append(MissingProject(p.pk, p.name, _("no accepted report by %(year)s-%(month)02d") % {
                "year": year, "month": month}))
    plan_total = sum((p.plan_in_force or ZERO for p in members), ZERO)
    completed_total = sum((p.completed_ytd or ZERO for p in members), ZERO)
    computed = {
        "project_count": Decimal(len(members)),
        "total_investment": sum((p.total_investment or ZERO for p in members), ZERO),
        "completed_investment": completed_total,
        "completion_rate": percent(completed_total, plan_total),
    }
    reported = {
        "project_count": None if programme.reported_project_count is None
        else Decimal(programme.reported_project_count),
        "total_investment": programme.reported_total_investment,
        "completed_investment": programme.reported_completed_investment,
        "completion_rate": programme.reported_completion_rate,
    }
    labels = {
        "project_count": _("Number of projects"),
        "total_investment": _("Total investment (万元)"),
        "completed_investment": _("Completed investment (万元)"),
        "completion_rate": _("Completion rate of the annual plan (%)"),
    }
    lines = []
    for key, label in labels.items():
        r, c = reported[key], computed[key]
        difference = None if r is None or c is None else c - r
        lines.append(ComparisonLine(key=key, label=label, reported=r, computed=c, difference=difference,
                                    differs=r is not None and r != c))
    counted = programme.reported_project_count
    return ProgrammeComparison(programme_id=programme.pk, programme=str(programme), year=year, month=month,
                               lines=lines, missing=missing, member_count=len(members),
                               unrecorded=max(counted - len(members), 0) if counted is not None else 0)


@transaction.atomic
def bulletin_create(*, year, month, user, title="", summary=""):
    """Open a draft bulletin for a month; it is computed live until published."""
    require(user, "bulletins", "create")
    bulletin = Bulletin(year=year, month=month, title=title, summary=summary)
    clean_or_raise(bulletin)
    bulletin.save()
    return bulletin


@dataclass
class ReportStanding:
    """A monthly report's figures by the bulletin's rule: its YTD against the plan in force that
    month, time progress, the gap, and the light with its reasons (overdue milestones and problems
    at the month's end count as in the bulletin; the report itself counts as received)."""

    plan_in_force: Decimal | None
    completion_rate: Decimal | None
    time_progress: Decimal
    gap_points: Decimal | None
    light: str
    reasons: list


def report_standings(reports):
    """{report id: ReportStanding} for `reports` (MonthlyReport instances), in three queries
    whatever their number: the plans (with revisions) of their projects and years, the milestones
    and the problems of their projects."""
    from projects.models import AnnualPlan

    reports = list(reports)
    if not reports:
        return {}
    project_ids = {r.project_id for r in reports}
    years = {r.year for r in reports}
    plans = {(p.project_id, p.year): p for p in AnnualPlan.objects.filter(project_id__in=project_ids, year__in=years)
             .prefetch_related("revisions")}
    latest_end = max(month_end(r.year, r.month) for r in reports)
    milestones, problems = defaultdict(list), defaultdict(list)
    for m in Milestone.objects.filter(project_id__in=project_ids, planned_date__lte=latest_end).order_by(
            "planned_date", "id").values_list("project_id", "name", "kind", "planned_date", "actual_date", named=True):
        milestones[m.project_id].append(m)
    for p in Problem.objects.filter(project_id__in=project_ids, deadline__lt=latest_end).order_by(
            "deadline", "id").values_list("project_id", "title", "deadline", "resolved_on", named=True):
        problems[p.project_id].append(p)
    light_for = _LightRule()
    result = {}
    for report in reports:
        end = month_end(report.year, report.month)
        plan = plans.get((report.project_id, report.year))
        in_force = round2(plan.investment_in_force(report.month)) if plan is not None else None
        rate = percent(round2(report.completed_ytd), in_force)
        if rate is not None and rate > MAX_RATE:
            rate = MAX_RATE
        progress = time_progress(report.month)
        gap = None if rate is None else rate - progress
        late_milestones = [m for m in milestones[report.project_id]
                           if m.planned_date <= end and (m.actual_date is None or m.actual_date > end)]
        late_problems = [p for p in problems[report.project_id]
                         if p.deadline < end and (p.resolved_on is None or p.resolved_on > end)]
        light, reasons = light_for(gap=gap, milestones=late_milestones, problems=late_problems, report_missing=False)
        result[report.pk] = ReportStanding(plan_in_force=in_force, completion_rate=rate, time_progress=progress,
                                           gap_points=gap, light=light, reasons=reasons)
    return result
