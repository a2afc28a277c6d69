"""Reads with logic for the tracking mechanism: lists the office chases units with."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.choices import ProblemStatus, ReportStatus
from projects.models import MonthlyReport, Problem, Project, Unit, WeeklyPlan
from projects.querysets import MONEY_OUTPUT


def reports_with_month_figure(queryset=None):
    """Annotates reports with `previous_ytd` (the latest earlier report of the same project and year,
    0 when none as in January) and `completed_month` (当月完成 = YTD − previous_ytd), in the same query."""
    queryset = MonthlyReport.objects.all() if queryset is None else queryset
    earlier = MonthlyReport.objects.filter(
        project=OuterRef("project"), year=OuterRef("year"), month__lt=OuterRef("month")
    ).order_by("-month")
    return queryset.annotate(
        previous_ytd=Coalesce(
            Subquery(earlier.values("completed_ytd")[:1], output_field=MONEY_OUTPUT),
            Value(Decimal("0"), output_field=MONEY_OUTPUT),
            output_field=MONEY_OUTPUT,
        ),
    ).annotate(completed_month=F("completed_ytd") - F("previous_ytd"))


def reports_filed(*, year, month):
    """Reports of the month that count as filed: submitted or accepted, whatever path they came by
    (the workflow, an import, or the facts loaded with an accepted status and no submitted time). A
    draft, returned or never submitted, is not filed."""
    return MonthlyReport.objects.filter(year=year, month=month,
                                        status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED])


def report_due_date(year, month):
    """Reports of `month` are due by TRACKER_REPORT_DUE_DAY of the next month."""
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime.date(year, month, settings.TRACKER_REPORT_DUE_DAY)


def reports_missing_and_late(*, year, month):
    """Per lead unit: projects with an annual plan that year and no filed report (reports_filed) for
    the month (`missing`), and reports submitted after the due date (`late`). Two queries.

    Returns {unit (or None): {"missing": [project, ...], "late": [report, ...]}}."""
    due = report_due_date(year, month)
    result = defaultdict(lambda: {"missing": [], "late": []})
    filed = reports_filed(year=year, month=month).filter(project=OuterRef("pk"))
    missing = (Project.objects.active().filter(annual_plans__year=year)
               .filter(~Exists(filed)).select_related("lead_unit").order_by("name"))
    for project in missing:
        result[project.lead_unit]["missing"].append(project)
    late = (MonthlyReport.objects.filter(year=year, month=month, submitted_at__isnull=False,
                                         project__is_archived=False)
            .select_related("project__lead_unit").order_by("project__name"))
    for report in late:
        if timezone.localdate(report.submitted_at) > due:
            result[report.project.lead_unit]["late"].append(report)
    return dict(result)


def problems_overdue(on=None):
    """Problems past their deadline on `on` (default today) and not resolved."""
    on = on or timezone.localdate()
    return Problem.objects.exclude(status=ProblemStatus.RESOLVED).filter(deadline__lt=on)


def projects_with_overdue_flag(queryset=None, on=None):
    """Projects annotated with `has_overdue_problem`, in the same query."""
    queryset = Project.objects.all() if queryset is None else queryset
    return queryset.annotate(has_overdue_problem=Exists(problems_overdue(on).filter(project=OuterRef("pk"))))


def problems_of_unit(unit, on=None):
    """The unit's view of the ledger: problems it is responsible for or on its projects,
    annotated `is_overdue`; overdue ones first."""
    on = on or timezone.localdate()
    overdue = Q(deadline__lt=on) & ~Q(status=ProblemStatus.RESOLVED)
    return (Problem.objects.filter(Q(responsible_unit=unit) | Q(project__in=Project.objects.for_unit(unit)))
            .distinct()
            .annotate(is_overdue=Exists(Problem.objects.filter(pk=OuterRef("pk")).filter(overdue)))
            .select_related("project", "responsible_unit")
            .order_by("-is_overdue", "deadline", "id"))


def week_start_of(day):
    return day - datetime.timedelta(days=day.weekday())


def weekly_plans_missing(*, now=None, units=None):
    """Units whose plan for next week (下周工作安排) is missing after Friday 18:00.

    Before Friday 18:00 of the current week nothing is late yet and the list is empty. Units: those
    given, else every non-archived unit leading a non-archived project."""
    now = timezone.localtime(now or timezone.now())
    friday = week_start_of(now.date()) + datetime.timedelta(days=4)
    deadline = timezone.make_aware(datetime.datetime.combine(friday, datetime.time(18, 0)))
    if now < deadline:
        return Unit.objects.none()
    next_monday = friday + datetime.timedelta(days=3)
    if units is None:
        units = Unit.objects.filter(is_archived=False, led_projects__is_archived=False).distinct()
    filed = WeeklyPlan.objects.filter(unit=OuterRef("pk"), week_start=next_monday)
    return units.filter(~Exists(filed)).order_by("name")




def reporting_month(today=None):
    """(year, month) of the month being reported on `today` (default: today): always the month
    before today's month. A month is reported once it is over, its reports due by
    TRACKER_REPORT_DUE_DAY of the next month; after that day the same month's reports are late, not
    the current month's due. The report form, the import page, the to-do list and the reminders
    all use it."""
    today = today or timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def report_form_context(*, project, year, month, exclude_pk=None):
    """What a clerk entering `project`'s report of `month` of `year` wants beside the form: the
    previous report of the year (any status: the YTD rule compares with it) and the annual plan in
    force that month, with the share of it due by time progress. Three queries at most."""
    from projects.models import AnnualPlan
    from projects.services.bulletins import round2, time_progress

    previous = MonthlyReport.objects.filter(project=project, year=year, month__lt=month)
    if exclude_pk:
        previous = previous.exclude(pk=exclude_pk)
    previous = previous.order_by("-month").first()
    plan = AnnualPlan.objects.filter(project=project, year=year).prefetch_related("revisions").first()
    in_force = plan.investment_in_force(month) if plan else None
    progress = time_progress(month)
    return {
        "previous": previous,
        "plan": plan,
        "plan_in_force": in_force,
        "time_progress": progress,
        "planned_to_date": None if in_force is None else round2(in_force * month / 12),
    }
