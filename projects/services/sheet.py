"""One page per project (项目一张表): everything the tracker knows of one project in one year, as
plain data for the admin's sheet (/admin/projects/project/<id>/sheet/).

`project_sheet(*, project, year, user)` gathers the plan and its revisions, the year's months (plan in
force, plan × time progress, accepted year-to-date, completion rate, gap and light, as the monthly
bulletin computes them), the reports, the problems still open, milestones, meetings that discussed
the project, review rankings and scores, evaluation results and the sources of its facts. About
fifteen queries whatever the size of the library (no query per row).

The light of each month follows the bulletin's rule (services.bulletins._LightRule) on this project's
own figures, so that the sheet and the bulletin of that month agree; a month a published bulletin
covers links to it."""

from collections import defaultdict
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from projects.documents import supports_labels
from projects.choices import Light, ProblemStatus, PublicationStatus, ReportStatus
from projects.models import (
    AnnualPlan,
    Bulletin,
    EvaluationResult,
    MeetingItem,
    Milestone,
    MonthlyReport,
    Problem,
    Project,
    ReviewRanking,
    ReviewScore,
    Source,
)
from projects.services.bulletins import ZERO, _LightRule, month_end, percent, round2, time_progress
from projects.services.dashboard import dashboard_scope, default_month

OPEN_STATUSES = (ProblemStatus.OPEN, ProblemStatus.IN_PROGRESS, ProblemStatus.ESCALATED)


def sheet_project(pk):
    """The project with what the sheet's head shows (zone, units, leaders, programmes), or None."""
    return (Project.objects.select_related("zone", "lead_unit", "parent")
            .prefetch_related("leaders", "cooperating_units", "programmes").filter(pk=pk).first())


def sheet_years(project):
    """The years the sheet offers for `project`: those of its plans and reports, newest first."""
    years = set(AnnualPlan.objects.filter(project=project).values_list("year", flat=True))
    years |= set(MonthlyReport.objects.filter(project=project).order_by().values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)


def sheet_default_year(*, project, user, years):
    """The dashboard's year for the user (the month the dashboard opens on) when the project has a
    plan or report in it; else the project's latest year; else the dashboard's year."""
    try:
        _role, _label, scope = dashboard_scope(user)
        dashboard_year = default_month(scope)[0]
    except Exception:  # an account without a role still reads the sheet through Django permissions
        dashboard_year = timezone.localdate().year
    if dashboard_year in years or not years:
        return dashboard_year
    return years[0]


def sheet_last_month(year):
    """The last month the sheet shows for `year`: the latest month of that year with an accepted
    report of any project (the month the bulletins have reached); without one, the month before the
    current one in the current year, December of a past year, none of a future year."""
    latest = (MonthlyReport.objects.filter(year=year, status=ReportStatus.ACCEPTED)
              .order_by("-month").values_list("month", flat=True).first())
    if latest:
        return latest
    today = timezone.localdate()
    if year < today.year:
        return 12
    return today.month - 1 if year == today.year else 0


def project_months(*, project, year, plan, reports, milestones, problems, last_month):
    """The months 1..`last_month` of `year` for `project` as the bulletin computes them."""
    revisions = list(plan.revisions.all()) if plan else []
    accepted = {r.month: r for r in reports if r.status == ReportStatus.ACCEPTED}
    by_month = defaultdict(list)
    for report in reports:
        by_month[report.month].append(report)
    light_for = _LightRule()
    months, carried, before = [], ZERO, ZERO
    for month in range(1, last_month + 1):
        end = month_end(year, month)
        progress = time_progress(month)
        if plan is not None:
            in_force = [r for r in revisions if r.effective_month <= month]
            plan_in_force = (max(in_force, key=lambda r: (r.effective_month, r.pk)).planned_investment
                             if in_force else plan.planned_investment)
        else:
            plan_in_force = None
        before = carried
        if month in accepted:
            carried = accepted[month].completed_ytd
        completed = round2(carried)
        rate = percent(completed, plan_in_force)
        gap = None if rate is None else rate - progress
        overdue_milestones = [m for m in milestones if m.planned_date and m.planned_date <= end
                              and (m.actual_date is None or m.actual_date > end)]
        overdue_problems = [p for p in problems if p.deadline < end
                            and (p.resolved_on is None or p.resolved_on > end)]
        if plan is not None:
            light, reasons = light_for(gap=gap, milestones=overdue_milestones, problems=overdue_problems,
                                       report_missing=month not in accepted)
        else:
            light, reasons = None, []
        months.append(SimpleNamespace(
            month=month, month_name=str(MONTHS[month]), plan_in_force=None if plan_in_force is None else round2(plan_in_force),
            planned_to_date=None if plan_in_force is None else round2(plan_in_force * month / 12),
            completed_ytd=completed, completed_month=round2(carried - before), completion_rate=rate,
            time_progress=progress, gap_points=gap, light=light,
            light_label=str(Light(light).label) if light else "", reasons=[r["text"] for r in reasons],
            reports=by_month.get(month, []), bulletin=None,
        ))
    return months


def project_sheet(*, project, year, years=None):
    """The sheet of `project` (as sheet_project loads it) in `year`: a namespace of plain values and
    model instances. `years`: the years to offer (default: sheet_years)."""
    plans = list(project.annual_plans.prefetch_related("revisions__revised_by").order_by("-year"))
    plan = next((p for p in plans if p.year == year), None)
    reports = list(MonthlyReport.objects.filter(project=project, year=year).order_by("month", "id"))
    milestones = list(Milestone.objects.filter(project=project).order_by("planned_date", "id"))
    problems = list(Problem.objects.filter(project=project).select_related("responsible_unit")
                    .order_by("deadline", "id"))
    years = sheet_years(project) if years is None else years
    today = timezone.localdate()
    months = project_months(project=project, year=year, plan=plan, reports=reports, milestones=milestones,
                            problems=problems, last_month=sheet_last_month(year))
    published = {b.month: b for b in Bulletin.objects.filter(year=year, status=PublicationStatus.PUBLISHED,
                                                             entries__project=project)}
    for line in months:
        line.bulletin = published.get(line.month)
    # The standing the sheet's head shows: the last month the bulletins have reached.
    latest = months[-1] if months and plan is not None else None

    open_problems = [p for p in problems if p.status in OPEN_STATUSES]
    for problem in problems:
        problem.overdue = problem.status in OPEN_STATUSES and problem.deadline < today
    for milestone in milestones:
        milestone.overdue = milestone.is_overdue(today)

    meeting_items = list(MeetingItem.objects.filter(project=project).select_related("meeting__chair")
                         .order_by("-meeting__date", "id"))
    rankings = list(ReviewRanking.objects.filter(project=project).select_related("review")
                    .order_by("-review__year", "-review__quarter"))
    scores = list(ReviewScore.objects.filter(project=project).select_related("review", "reviewer", "criterion")
                  .order_by("-review__year", "-review__quarter", "reviewer__name", "criterion__id"))
    evaluations = list(EvaluationResult.objects.filter(project=project).select_related("evaluation")
                       .order_by("-evaluation__year", "evaluation__kind"))

    types = ContentType.objects.get_for_models(Project, AnnualPlan, Milestone)
    sources = list(Source.objects.filter(
        Q(content_type=types[Project], object_id=project.pk)
        | Q(content_type=types[AnnualPlan], object_id__in=[p.pk for p in plans])
        | Q(content_type=types[Milestone], object_id__in=[m.pk for m in milestones])
    ).order_by("document", "id"))
    labels = {types[Project].pk: _("project"), types[AnnualPlan].pk: _("annual plan"),
              types[Milestone].pk: _("milestone")}
    models = {types[model].pk: model for model in (Project, AnnualPlan, Milestone)}
    for source in sources:
        source.record_label = labels[source.content_type_id]
        source.supports_label = supports_labels(source.supports, models[source.content_type_id])

    return SimpleNamespace(
        project=project, year=year, years=years, plans=plans, plan=plan,
        other_plans=[p for p in plans if p.year != year],  # newest first
        revisions=list(plan.revisions.all()) if plan else [],
        months=months, latest=latest, reports=reports,
        open_problems=open_problems, problem_count=len(problems),
        milestones=milestones, meeting_items=meeting_items, rankings=rankings, scores=scores,
        evaluations=evaluations, sources=sources, today=today,
    )


def chart_payload(sheet):
    """What the sheet's chart needs (json_script): completed YTD month by month against the plan
    in force × time progress, in 万元."""
    return {
        "labels": [m.month_name for m in sheet.months],
        "completed": [float(m.completed_ytd) for m in sheet.months],
        "planned": [None if m.planned_to_date is None else float(m.planned_to_date) for m in sheet.months],
        "completed_label": _("Completed YTD (万元)"),
        "planned_label": _("Annual plan × time progress (万元)"),
    }
